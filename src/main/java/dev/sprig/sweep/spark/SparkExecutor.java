package dev.sprig.sweep.spark;

import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.sweep.FolderArchive;
import dev.sprig.train.ChildJvmExecutor;
import dev.sprig.train.FolderRun;
import dev.sprig.train.Progress;
import dev.sprig.train.RunExecutor;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Trains cells as Apache Spark tasks: embedded {@code local[N]} (nothing to install) or a cluster
 * ({@code spark://HOST:PORT}, {@code k8s://...}). Each cell is its own one-task job, so a cell that
 * fails for good fails alone while the others complete; a task that throws or whose executor dies
 * is retried by Spark (up to {@value #MAX_FAILURES} attempts; {@code local[N]} is run as {@code
 * local[N,4]}, since plain local mode never retries), and a retry continues from the checkpoint its
 * folder holds, so it ends with the figures of a first-try run.
 *
 * <p>No shared file system is needed: on a cluster a task trains in a local temporary folder
 * (seeded with the cell's half-finished folder, if the driver has one) and returns the finished
 * folder compressed; the driver puts it under {@code --out} atomically. In local mode tasks train
 * in place, each in a child JVM (the task slots are threads of one JVM, and the engine records one
 * gradient tape per process); on a cluster a task trains in its executor's JVM, one at a time, so
 * an executor should hold one task ({@code spark.task.cpus} = {@code spark.executor.cores}). Errors
 * that retrying cannot fix (bad settings, data missing on the worker) end the cell at once with a
 * message naming the worker.
 */
final class SparkExecutor implements RunExecutor {
    /** Attempts per task before the cell is reported failed. */
    static final int MAX_FAILURES = 4;

    /**
     * System property naming cells whose first attempt fails on purpose (comma-separated): how the
     * tests check that a retried cell ends like a first-try one.
     */
    static final String FAIL_FIRST_ATTEMPT = "sprig.sweep.failFirstAttempt";

    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\d+|\\*)])?");

    private final String master;
    private final Map<String, String> conf;

    SparkExecutor(String master, Map<String, String> conf) {
        this.master = master;
        this.conf = Map.copyOf(conf);
    }

    /**
     * What executors on other machines need: Sprig's jars (Spark's own are on every worker) and the
     * JVM flags Sprig runs with; the user's {@code --conf} settings win.
     */
    private static void forCluster(SparkConf c) {
        List<String> jars = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (e.endsWith(".jar") && !e.contains("spark-lib")) {
                jars.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        c.set("spark.jars", String.join(",", jars));
        List<String> flags = new ArrayList<>();
        for (String a :
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-")
                    || a.startsWith("-Dai.djl")
                    || a.startsWith("-DOPT_OUT")
                    || a.startsWith("-XX:MaxDirectMemorySize")) {
                flags.add(a);
            }
        }
        c.set("spark.executor.extraJavaOptions", String.join(" ", flags));
    }

    @Override
    public boolean sharesFiles() {
        return isLocal(master);
    }

    @Override
    public String describe() {
        return "on Spark " + sparkMaster(master);
    }

    /**
     * The application's settings: retries, no UI, jobs side by side; in local mode the driver on
     * the loopback address, on a cluster Sprig's jars and flags shipped; the user's settings last.
     */
    static SparkConf sparkConf(String master, String app, Map<String, String> conf) {
        SparkConf spark =
                new SparkConf()
                        .setAppName(app)
                        .setMaster(sparkMaster(master))
                        .set("spark.ui.enabled", "false")
                        .set("spark.task.maxFailures", Integer.toString(MAX_FAILURES))
                        .set("spark.scheduler.mode", "FAIR");
        if (isLocal(master)) {
            spark.set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
        } else {
            forCluster(spark);
        }
        conf.forEach(spark::set);
        return spark;
    }

    /** Whether a master is embedded local mode. */
    static boolean isLocal(String master) {
        return LOCAL.matcher(master).matches();
    }

    /** Task slots of a local master (local[*]: every core; 1 for other masters). */
    static int slots(String master) {
        Matcher m = LOCAL.matcher(master);
        if (!m.matches() || m.group(2) == null) {
            return 1;
        }
        return m.group(2).equals("*")
                ? Runtime.getRuntime().availableProcessors()
                : Integer.parseInt(m.group(2));
    }

    /** local[N] becomes local[N,MAX_FAILURES], which retries; other masters stay as given. */
    static String sparkMaster(String master) {
        Matcher m = LOCAL.matcher(master);
        if (m.matches()) {
            String n = m.group(2) == null ? "1" : m.group(2);
            return "local[" + n + "," + MAX_FAILURES + "]";
        }
        return master;
    }

    /** What a task needs: everything travels with it, nothing is read from the driver's disk. */
    record Task(
            String folder,
            long dataSeed,
            boolean inPlace,
            byte[] partial,
            boolean failFirstAttempt,
            int threads)
            implements Serializable {}

    /** What a task returns: an error Sprig raised, or (on a cluster) the finished run folder. */
    record Result(String error, byte[] folder) implements Serializable {}

    @Override
    public List<Outcome> run(List<Job> jobs) {
        boolean local = sharesFiles();
        for (Job job : jobs) {
            if (!local && job.folders().size() > 1) {
                throw new SprigException(
                        "master "
                                + master
                                + ": runs in phases (a pruned ensemble member reads its dense run's"
                                + " folder) need one file system; train them with local[N]");
            }
        }
        List<String> failFirst = List.of(System.getProperty(FAIL_FIRST_ATTEMPT, "").split(","));
        int threads = local ? ChildJvmExecutor.shareOfCores(slots(master)) : 0;
        List<Outcome> outcomes = new ArrayList<>();
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf(master, "sprig runs", conf))) {
            sc.setLogLevel("ERROR");
            List<JavaFutureAction<List<Result>>> running = new ArrayList<>();
            for (Job job : jobs) {
                Path first = job.folders().get(0).toAbsolutePath();
                List<Task> tasks = new ArrayList<>();
                for (Path folder : job.folders()) {
                    Path dir = folder.toAbsolutePath();
                    tasks.add(
                            new Task(
                                    dir.toString(),
                                    job.dataSeed(),
                                    local,
                                    local ? null : FolderArchive.pack(dir),
                                    failFirst.contains(first.getFileName().toString()),
                                    threads));
                }
                // One task per job: its folders train in order, in one place.
                running.add(
                        sc.parallelize(List.of(tasks), 1).map(SparkExecutor::train).collectAsync());
            }
            for (int i = 0; i < jobs.size(); i++) {
                Job job = jobs.get(i);
                try {
                    Result r = running.get(i).get().get(0);
                    if (r.error() == null && r.folder() != null) {
                        FolderArchive.install(r.folder(), job.folders().get(0));
                    }
                    outcomes.add(new Outcome(job, r.error()));
                } catch (ExecutionException e) {
                    outcomes.add(
                            new Outcome(
                                    job,
                                    "failed after "
                                            + MAX_FAILURES
                                            + " attempts: "
                                            + rootMessage(e)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SprigException("interrupted while runs trained");
                }
            }
        }
        return outcomes;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** A task: trains a job's folders on the worker it landed on. */
    static Result train(List<Task> tasks) throws IOException {
        Task first = tasks.get(0);
        TaskContext ctx = TaskContext.get();
        if (first.failFirstAttempt() && ctx != null && ctx.attemptNumber() == 0) {
            throw new IllegalStateException(
                    "injected fault: first attempt of " + Path.of(first.folder()).getFileName());
        }
        List<Path> dirs = new ArrayList<>();
        tasks.forEach(t -> dirs.add(Path.of(t.folder())));
        if (first.inPlace()) {
            // Local mode: the task slots are threads of this JVM, and the engine records one
            // gradient tape per process, so the job trains in a child JVM of its own.
            try {
                Outcome o =
                        ChildJvmExecutor.child(new Job(dirs, first.dataSeed()), first.threads());
                if (o.finished()) {
                    return new Result(null, null);
                }
                if (o.error().startsWith("exit 2: ")) {
                    return new Result(o.error(), null); // Sprig refused: retrying would not help
                }
                throw new IllegalStateException(o.error()); // a crash: Spark retries the task
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        Sprig.forceOffline();
        String worker = java.net.InetAddress.getLocalHost().getHostName();
        Path scratch = Files.createTempDirectory("sprig-run-");
        Path dir = scratch.resolve(dirs.get(0).getFileName());
        try {
            FolderArchive.unpack(first.partial(), dir);
            FolderRun.train(dir, first.dataSeed(), Progress.silent());
            return new Result(null, FolderArchive.pack(dir));
        } catch (SprigException e) {
            return new Result("on worker " + worker + ": " + e.getMessage(), null);
        } finally {
            FolderArchive.delete(scratch);
        }
    }
}
