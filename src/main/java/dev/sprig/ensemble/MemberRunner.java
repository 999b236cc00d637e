package dev.sprig.ensemble;

import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.train.InProcessExecutor;
import dev.sprig.train.Json;
import dev.sprig.train.Progress;
import dev.sprig.train.RunExecutor;
import dev.sprig.train.RunExecutors;
import dev.sprig.train.RunSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Trains the members of an ensemble through a {@link RunExecutor}: one after another in this JVM
 * (with the ensemble's data and progress), {@code workers} at a time in child JVMs, or as tasks of
 * an Apache Spark application ({@code master}). A job is a list of run folders trained in order
 * (PF: the dense run, then its pruned fine-tuning).
 *
 * <p>Every member's data are split with the ensemble's seed, so all of them hold out the same
 * validation images whichever way they run.
 */
public final class MemberRunner {
    private MemberRunner() {}

    /**
     * Trains every job.
     *
     * @param jobs run folders per job, each with its {@code config.yaml} written
     * @param workers jobs at once (1 = in this JVM)
     * @param master where they train (null: this JVM or {@code workers} child JVMs)
     * @param data data splits (used in this JVM)
     * @param dataSeed the seed the data were split with
     * @param progress progress display (in this JVM)
     * @return every run's summary, job by job
     * @throws SprigException naming the members that failed
     */
    static List<RunSummary> runAll(
            List<List<Path>> jobs,
            int workers,
            String master,
            DataSplits data,
            long dataSeed,
            Progress progress) {
        boolean here = (master == null || master.isBlank()) && (workers <= 1 || jobs.size() <= 1);
        RunExecutor executor =
                here
                        ? new InProcessExecutor(progress)
                                .withData(
                                        Json.readConfig(jobs.get(0).get(0).resolve("config.yaml")),
                                        dataSeed,
                                        data)
                        : RunExecutors.forMaster(master, workers, Map.of());
        List<RunExecutor.Job> work = new ArrayList<>();
        for (List<Path> job : jobs) {
            work.add(new RunExecutor.Job(job, dataSeed));
        }
        List<String> failed = new ArrayList<>();
        for (RunExecutor.Outcome o : executor.run(work)) {
            if (!o.finished()) {
                failed.add("member " + o.job().folders().get(0) + " failed: " + o.error());
            }
        }
        if (!failed.isEmpty()) {
            throw new SprigException(String.join("; ", failed));
        }
        List<RunSummary> out = new ArrayList<>();
        for (List<Path> job : jobs) {
            for (Path dir : job) {
                out.add(RunSummary.read(dir));
            }
        }
        return out;
    }
}
