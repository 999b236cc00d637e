package dev.sprig.train;

import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains {@code workers} jobs at a time, each in a child JVM of this one ({@code master: jvm[N]},
 * or an ensemble's {@code workers}): a crash of one run (native memory, a killed process) costs
 * that job only. The engine (LibTorch through DJL) records one gradient tape per process, so engine
 * runs cannot share a JVM: parallel runs need processes of their own. A child's output goes to
 * {@code log.txt} in its job's first folder.
 */
public final class ChildJvmExecutor implements RunExecutor {
    private final int workers;

    /**
     * Creates the executor.
     *
     * @param workers child JVMs at once
     */
    public ChildJvmExecutor(int workers) {
        this.workers = Math.max(1, workers);
    }

    @Override
    public String describe() {
        return workers + " child JVM" + (workers == 1 ? "" : "s");
    }

    @Override
    public List<Outcome> run(List<Job> jobs) {
        int threads = shareOfCores(Math.min(workers, Math.max(1, jobs.size())));
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Outcome>> running = new ArrayList<>();
            for (Job job : jobs) {
                running.add(pool.submit(() -> child(job, threads)));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> f : running) {
                try {
                    outcomes.add(f.get());
                } catch (ExecutionException e) {
                    throw new SprigException("a worker failed: " + e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SprigException("interrupted while runs trained");
                }
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Trains a job in a child JVM. Exit status 2 means Sprig refused (bad settings, missing data),
     * which retrying would not fix; the outcome's error then starts with {@code exit 2: }.
     *
     * @param job the job
     * @param threads the threads a run gets when its config leaves {@code threads} at 0 (its share
     *     of the cores: children that each took every core would oversubscribe them)
     * @return the outcome
     * @throws IOException when the child cannot be started
     * @throws InterruptedException when interrupted while it runs
     */
    public static Outcome child(Job job, int threads) throws IOException, InterruptedException {
        Path log = job.folders().get(0).resolve("log.txt");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb =
                new ProcessBuilder(FolderRun.childCommand(job.folders(), job.dataSeed(), threads));
        // OpenMP reads its thread count when the native library loads.
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        int rc = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
        if (rc == 0) {
            return new Outcome(job, null);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String last = lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
        return new Outcome(job, "exit " + rc + ": " + last + " (see " + log + ")");
    }

    /**
     * Returns each of {@code workers} runs' share of this machine's cores.
     *
     * @param workers runs at once
     * @return at least 1
     */
    public static int shareOfCores(int workers) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workers));
    }
}
