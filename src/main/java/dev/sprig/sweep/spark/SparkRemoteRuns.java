package dev.sprig.sweep.spark;

import dev.sprig.SprigException;
import dev.sprig.sweep.ChildJvmExecutor;
import dev.sprig.train.FolderRun;
import dev.sprig.train.RemoteRuns;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Ensemble members ({@code sprig ensemble --master local[N]}) as Spark tasks: each job (a member,
 * or a dense run and its pruned fine-tuning) is a one-task job that trains its folders in order in
 * a child JVM, retried from its checkpoints when an attempt fails. Embedded local mode only: a
 * pruned member reads its dense run's folder, which a cluster without a shared file system does not
 * give (grids of independent runs go to a cluster with {@code sprig sweep}).
 */
public final class SparkRemoteRuns implements RemoteRuns {
    /** Creates the service (found by {@link java.util.ServiceLoader}). */
    public SparkRemoteRuns() {}

    @Override
    public boolean accepts(String master) {
        return new SparkExecutorFactory().accepts(master);
    }

    /** One job: its folders, the data seed and the child's threads. */
    record Job(List<String> dirs, long dataSeed, int threads) implements Serializable {}

    @Override
    public void trainAll(String master, List<List<Path>> jobs, long dataSeed) {
        if (!SparkExecutor.isLocal(master)) {
            throw new SprigException(
                    "master "
                            + master
                            + ": ensembles run on embedded Spark (local[N]) only, since a pruned"
                            + " member reads its dense run's folder; grids of independent runs go"
                            + " to a cluster with sprig sweep");
        }
        new SparkExecutorFactory().create(master, Map.of()); // says how to get Spark if missing
        int threads = ChildJvmExecutor.shareOfCores(SparkExecutor.slots(master));
        List<String> failed = new ArrayList<>();
        try (JavaSparkContext sc =
                new JavaSparkContext(SparkExecutor.sparkConf(master, "sprig ensemble", Map.of()))) {
            List<JavaFutureAction<List<String>>> running = new ArrayList<>();
            for (List<Path> job : jobs) {
                List<String> dirs = new ArrayList<>();
                job.forEach(p -> dirs.add(p.toAbsolutePath().toString()));
                running.add(
                        sc.parallelize(List.of(new Job(dirs, dataSeed, threads)), 1)
                                .map(SparkRemoteRuns::train)
                                .collectAsync());
            }
            for (int i = 0; i < jobs.size(); i++) {
                try {
                    String error = running.get(i).get().get(0);
                    if (error != null) {
                        failed.add(jobs.get(i).get(0).getFileName() + ": " + error);
                    }
                } catch (ExecutionException e) {
                    failed.add(jobs.get(i).get(0).getFileName() + ": " + e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SprigException("interrupted while members trained");
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new SprigException("members failed: " + String.join("; ", failed));
        }
    }

    /** A task: the job's folders in a child JVM; null when they finished, else Sprig's refusal. */
    static String train(Job job) throws IOException, InterruptedException {
        List<Path> dirs = new ArrayList<>();
        job.dirs().forEach(d -> dirs.add(Path.of(d)));
        Path log = dirs.get(0).resolve("log.txt");
        ProcessBuilder pb =
                new ProcessBuilder(FolderRun.childCommand(dirs, job.dataSeed(), job.threads()));
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(job.threads()));
        int rc = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
        if (rc == 0) {
            return null;
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String last = lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
        if (rc == 2) {
            return last; // Sprig refused (settings, data): retrying would not help
        }
        throw new IllegalStateException("exit " + rc + ": " + last + " (see " + log + ")");
    }
}
