package dev.sprig.train;

import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains jobs one after another in this JVM: the default, and the reference the other executors
 * match. Data sets are loaded once per split and kept for the jobs that follow.
 */
public final class InProcessExecutor implements RunExecutor {
    private final Progress progress;
    private final Map<String, DataSplits> data = new HashMap<>();

    /** Creates an executor that shows no progress. */
    public InProcessExecutor() {
        this(Progress.silent());
    }

    /**
     * Creates an executor.
     *
     * @param progress where each run's progress goes
     */
    public InProcessExecutor(Progress progress) {
        this.progress = progress;
    }

    /**
     * Hands over data already loaded, for the runs whose config asks for that split.
     *
     * @param config a config naming the data set, its folder and validation fraction
     * @param seed the seed it was split with
     * @param splits the splits
     * @return this executor
     */
    public InProcessExecutor withData(TrainConfig config, long seed, DataSplits splits) {
        data.put(key(config, seed), splits);
        return this;
    }

    private static String key(TrainConfig c, long seed) {
        return String.format(
                Locale.ROOT,
                "%s|%s|%s|%d|%d|%s|%s|%s|%s",
                c.dataset,
                c.dataDir,
                c.validationFraction,
                seed,
                c.imageSize,
                c.skipBadImages,
                c.labelColumn,
                c.normalizationMean,
                c.normalizationStd);
    }

    @Override
    public List<Outcome> run(List<Job> jobs) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Job job : jobs) {
            String error = null;
            for (Path dir : job.folders()) {
                try {
                    TrainConfig c = Json.readConfig(dir.resolve("config.yaml"));
                    DataSplits splits =
                            data.computeIfAbsent(
                                    key(c, job.dataSeed()),
                                    k -> DataSplits.load(c.dataRequest(job.dataSeed())));
                    FolderRun.train(dir, splits, progress);
                } catch (Interruption.Stopped s) {
                    throw s; // Ctrl-C stops everything; the runs resume next time
                } catch (SprigException | ai.djl.engine.EngineException e) {
                    error = dir.getFileName() + ": " + e.getMessage();
                } catch (RuntimeException e) {
                    error = dir.getFileName() + ": " + e;
                }
                if (error != null) {
                    break; // later phases need the earlier ones
                }
            }
            outcomes.add(new Outcome(job, error));
        }
        return outcomes;
    }

    @Override
    public String describe() {
        return "in this JVM";
    }
}
