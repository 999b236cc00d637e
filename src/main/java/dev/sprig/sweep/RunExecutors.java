package dev.sprig.sweep;

import dev.sprig.SprigException;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Picks the executor a {@code --master} value names. */
public final class RunExecutors {
    private static final Pattern JVM = Pattern.compile("jvm\\[(\\d+)]");

    private RunExecutors() {}

    /**
     * Returns the executor for a master: none or {@code in-process} trains in this JVM, {@code
     * jvm[N]} in N child JVMs at a time, and a Spark master ({@code local[N]}, {@code
     * spark://HOST:PORT}, {@code k8s://...}, {@code yarn}) as Spark tasks.
     *
     * @param master the {@code --master} value, or null
     * @return the executor
     * @throws SprigException for a master no executor serves
     */
    public static RunExecutor forMaster(String master) {
        return forMaster(master, java.util.Map.of());
    }

    /**
     * Returns the executor for a master, with settings for the engine behind it.
     *
     * @param master the {@code --master} value, or null
     * @param conf {@code --conf} settings (Spark's keys); refused for executors that take none
     * @return the executor
     * @throws SprigException for a master no executor serves
     */
    public static RunExecutor forMaster(String master, java.util.Map<String, String> conf) {
        boolean spark =
                master != null
                        && !master.isBlank()
                        && !master.equals("in-process")
                        && !JVM.matcher(master).matches();
        if (!spark && !conf.isEmpty()) {
            throw new SprigException("--conf sets Spark settings; it needs a Spark --master");
        }
        if (master == null || master.isBlank() || master.equals("in-process")) {
            return new InProcessExecutor();
        }
        Matcher m = JVM.matcher(master);
        if (m.matches()) {
            return new ChildJvmExecutor(Integer.parseInt(m.group(1)));
        }
        for (RunExecutorFactory f :
                ServiceLoader.load(RunExecutorFactory.class, RunExecutors.class.getClassLoader())) {
            if (f.accepts(master)) {
                return f.create(master, conf);
            }
        }
        throw new SprigException(
                "--master "
                        + master
                        + ": no executor serves it (in-process, jvm[N], or a Spark master such as"
                        + " local[2] or spark://HOST:7077 with Spark on the class path)");
    }
}
