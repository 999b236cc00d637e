package dev.sprig.sweep;

import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TrainConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains {@code workers} cells at a time, each in a child JVM on this machine ({@code --master
 * jvm[N]}): a crash of one run (native memory, a killed process) costs that cell only. A child's
 * output goes to {@code out/.sweep/<cell>.log}. The engine (LibTorch through DJL) records one
 * gradient tape per process, so runs on the engine path cannot share a JVM: parallel cells need
 * processes of their own.
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
    public List<Outcome> run(List<SweepCell> cells, Path out) {
        Path work = out.resolve(".sweep");
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new SprigException("cannot create " + work + ": " + e.getMessage());
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Outcome>> running = new ArrayList<>();
            for (SweepCell cell : cells) {
                running.add(pool.submit(() -> child(cell, out, work, shareOfCores(workers))));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> f : running) {
                try {
                    outcomes.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new SprigException("sweep worker failed: " + e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SprigException("interrupted while cells trained");
                }
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Trains one cell in a child JVM of this one (same Java, flags and class path), its output in
     * {@code work/<cell>.log}.
     *
     * @param cell the cell
     * @param out the sweep's folder (the run goes to {@code out/<cell>})
     * @param work where the child's config and log go
     * @param threads the threads a run gets when its config leaves {@code threads} at 0 (its share
     *     of the cores: children that each took every core would oversubscribe them)
     * @return the outcome
     * @throws IOException when the child cannot be started
     * @throws InterruptedException when interrupted while it runs
     */
    public static Outcome child(SweepCell cell, Path out, Path work, int threads)
            throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path config = work.resolve(cell.name() + ".yaml");
        TrainConfig c = Json.readConfig(cell.configYaml(), "cell " + cell.name());
        if (c.threads <= 0) {
            c.threads = threads;
        }
        RunFolder.writeAtomic(config, Json.toYaml(c));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        // The engine reads its thread counts when it starts, and OpenMP its own at load time.
        cmd.add("-Dai.djl.pytorch.num_threads=" + c.threads);
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ChildJvmExecutor.class.getName());
        cmd.add(cell.name());
        cmd.add(config.toAbsolutePath().toString());
        cmd.add(out.resolve(cell.name()).toAbsolutePath().toString());
        Path log = work.resolve(cell.name() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(c.threads));
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int rc = p.waitFor();
        if (rc == 0 && CellRun.finished(out.resolve(cell.name()))) {
            return new Outcome(cell.name(), null);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String last = lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
        return new Outcome(cell.name(), "exit " + rc + ": " + last + " (see " + log + ")");
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

    /**
     * Child JVM entry point: trains one cell.
     *
     * @param args cell name, its config file, its run folder
     */
    public static void main(String[] args) {
        Sprig.forceOffline();
        try {
            String yaml = Files.readString(Path.of(args[1]), StandardCharsets.UTF_8);
            CellRun.train(new SweepCell(args[0], java.util.Map.of(), yaml), Path.of(args[2]));
        } catch (SprigException | IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
