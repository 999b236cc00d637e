package dev.sprig.ensemble;

import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.train.FolderRun;
import dev.sprig.train.Progress;
import dev.sprig.train.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains the members of an ensemble: one after another in this JVM, {@code workers} at a time in
 * child JVMs, or as tasks of an Apache Spark application ({@code master}, through {@link
 * dev.sprig.train.RemoteRuns}) (the members are independent, so on a machine with cores or
 * accelerators to spare they train side by side). A job is a list of run folders trained in order
 * (PF: the dense run, then its pruned fine-tuning). Each child writes its output to {@code log.txt}
 * in its first folder and gets an equal share of the cores unless the config fixes {@code threads}.
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
            List<List<Path>> jobs,
            int workers,
            String master,
            DataSplits data,
            long dataSeed,
            Progress progress) {
        List<RunSummary> out = new ArrayList<>();
        if (master != null && !master.isBlank()) {
            dev.sprig.train.RemoteRuns.forMaster(master).trainAll(master, jobs, dataSeed);
            for (List<Path> job : jobs) {
                for (Path dir : job) {
                    out.add(RunSummary.read(dir));
                }
            }
            return out;
        }
        if (workers <= 1 || jobs.size() <= 1) {
            for (List<Path> job : jobs) {
                for (Path dir : job) {
                    out.add(FolderRun.train(dir, data, progress));
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
        Path log = job.get(0).resolve("log.txt");
        ProcessBuilder pb = new ProcessBuilder(FolderRun.childCommand(job, dataSeed, threads));
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int rc = p.waitFor();
        if (rc != 0) {
            List<String> lines = Files.readAllLines(log);
            String last = lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
            throw new SprigException(
                    "member " + job.get(0) + " failed (exit " + rc + "): " + last + "; see " + log);
        }
    }
}
