package dev.sprig.ensemble;

import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.data.DataRoot;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Json;
import dev.sprig.train.Progress;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains the members of an ensemble: one after another in this JVM, or {@code workers} at a time in
 * child JVMs (the members are independent, so on a machine with cores or accelerators to spare they
 * train side by side). A job is a list of run folders trained in order (PF: the dense run, then its
 * pruned fine-tuning). Each child writes its output to {@code log.txt} in its first folder and gets
 * an equal share of the cores unless the config fixes {@code threads}.
 *
 * <p>Every member loads the data with the ensemble's seed, so all of them hold out the same
 * validation images whichever way they run.
 */
public final class MemberRunner {
    private MemberRunner() {}

    /**
     * Trains every job.
     *
     * @param jobs run folders per job, each with its {@code config.yaml} written
     * @param workers jobs at once (1 = in this JVM)
     * @param data data splits (used in this JVM)
     * @param dataSeed the seed the data were split with
     * @param progress progress display (in this JVM)
     * @return every run's summary, job by job
     */
    static List<RunSummary> runAll(
            List<List<Path>> jobs, int workers, DataSplits data, long dataSeed, Progress progress) {
        List<RunSummary> out = new ArrayList<>();
        if (workers <= 1 || jobs.size() <= 1) {
            for (List<Path> job : jobs) {
                for (Path dir : job) {
                    out.add(FreeTickets.trainMember(dir, data, progress));
                }
            }
            return out;
        }
        int threadsEach =
                Math.max(
                        1,
                        Runtime.getRuntime().availableProcessors()
                                / Math.min(workers, jobs.size()));
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(workers, jobs.size()));
        try {
            List<Future<?>> running = new ArrayList<>();
            for (List<Path> job : jobs) {
                running.add(
                        pool.submit(
                                () -> {
                                    child(job, dataSeed, threadsEach);
                                    return null;
                                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof SprigException s) {
                        throw s;
                    }
                    throw new SprigException("a member failed: " + e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SprigException("interrupted while members trained");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        for (List<Path> job : jobs) {
            for (Path dir : job) {
                out.add(RunSummary.read(dir));
            }
        }
        return out;
    }

    private static void child(List<Path> job, long dataSeed, int threads)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MemberRunner.class.getName());
        cmd.add(Long.toString(dataSeed));
        cmd.add(Integer.toString(threads));
        job.forEach(p -> cmd.add(p.toAbsolutePath().toString()));
        Path log = job.get(0).resolve("log.txt");
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        int rc = p.waitFor();
        if (rc != 0) {
            List<String> lines = Files.readAllLines(log);
            String last = lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
            throw new SprigException(
                    "member " + job.get(0) + " failed (exit " + rc + "): " + last + "; see " + log);
        }
    }

    /**
     * Child JVM entry point: trains run folders in order.
     *
     * @param args data seed, threads, then run folders
     */
    public static void main(String[] args) {
        Sprig.forceOffline();
        try {
            long seed = Long.parseLong(args[0]);
            int threads = Integer.parseInt(args[1]);
            for (int i = 2; i < args.length; i++) {
                Path dir = Path.of(args[i]);
                TrainConfig c = Json.readConfig(dir.resolve("config.yaml"));
                if (c.threads == 0) {
                    c.threads = threads;
                    dev.sprig.train.RunFolder.writeAtomic(
                            dir.resolve("config.yaml"), Json.toYaml(c));
                }
                DataSplits data =
                        DataSplits.load(
                                c.dataset, DataRoot.resolve(c.dataDir), c.validationFraction, seed);
                RunSummary s = FreeTickets.trainMember(dir, data, Progress.silent());
                System.out.printf("%s: test accuracy %.4f%n", dir.getFileName(), s.testAccuracy());
            }
        } catch (SprigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
