package dev.sprig.train;

import dev.sprig.SprigException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Picks the executor a {@code master} setting names. */
public final class RunExecutors {
    private static final Pattern JVM = Pattern.compile("jvm\\[(\\d+)]");

    private RunExecutors() {}

    /**
     * Returns the executor for a master: none or {@code in-process} trains in this JVM ({@code
     * workers} child JVMs when more than one), {@code jvm[N]} in N child JVMs at a time, and a
     * Spark master ({@code local[N]}, {@code spark://HOST:PORT}, {@code k8s://...}) as Spark tasks.
     *
     * @param master the {@code master} setting, or null
     * @param workers runs at once for the default
     * @param conf {@code --conf} settings for a Spark master
     * @return the executor
     * @throws SprigException for a master no executor serves, or settings it does not take
     */
    public static RunExecutor forMaster(String master, int workers, Map<String, String> conf) {
        boolean local = master == null || master.isBlank() || master.equals("in-process");
        Matcher m = local ? null : JVM.matcher(master);
        if ((local || m.matches()) && !conf.isEmpty()) {
            throw new SprigException("--conf sets Spark settings; it needs a Spark --master");
        }
        if (local) {
            return workers > 1 ? new ChildJvmExecutor(workers) : new InProcessExecutor();
        }
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
                "master "
                        + master
                        + ": no executor serves it (in-process, jvm[N], or a Spark master such as"
                        + " local[2] or spark://HOST:7077 with Spark on the class path)");
    }

    /**
     * Returns the executor for a master, with default settings.
     *
     * @param master the {@code master} setting, or null
     * @return the executor
     */
    public static RunExecutor forMaster(String master) {
        return forMaster(master, 1, Map.of());
    }
}
