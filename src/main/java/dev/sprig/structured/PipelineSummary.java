package dev.sprig.structured;

import dev.sprig.Sprig;
import dev.sprig.cost.FlopsCostModel;
import dev.sprig.cost.LayerDensities;
import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerSpec;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The {@code summary.json} of a multi-phase structured-pruning run (Early-Bird, slimming, EPI). */
public final class PipelineSummary {
    private PipelineSummary() {}

    /**
     * Reads a finished phase's {@code summary.json} back.
     *
     * @param dir the phase's folder
     * @return its summary
     */
    public static RunSummary read(Path dir) {
        return RunSummary.read(dir);
    }

    /**
     * FLOPs of one epoch of dense training of the full network, as the trainer's ledger counts them
     * (a phase that stopped mid-epoch cannot be divided by its epochs).
     *
     * @param c the run
     * @param data its data
     * @param full the full network's layers
     * @return FLOPs
     */
    public static double denseEpochFlops(TrainConfig c, DataSplits data, List<LayerSpec> full) {
        int n = data.train().size();
        int batches = (n + c.batchSize - 1) / c.batchSize;
        long examples =
                c.maxStepsPerEpoch > 0 && c.maxStepsPerEpoch < batches
                        ? (long) c.maxStepsPerEpoch * c.batchSize
                        : n;
        return (double) examples
                * FlopsCostModel.INSTANCE.trainStepFlops(full, LayerDensities.DENSE, false);
    }

    /**
     * Writes the summary of a whole pipeline: the last phase's accuracy, the thin network's size
     * and inference cost, and the pipeline's training FLOPs against dense training.
     *
     * @param root the pipeline's folder
     * @param config the pipeline's config
     * @param data its data
     * @param last the last phase's summary
     * @param full the full network's layers
     * @param thin the final network's layers
     * @param trainFlops FLOPs of every phase together
     * @param denseFlops FLOPs of dense training for the same schedule
     * @param wall wall time of every phase together
     * @param extra method-specific figures
     * @return the summary
     */
    public static RunSummary write(
            RunFolder root,
            TrainConfig config,
            DataSplits data,
            RunSummary last,
            List<LayerSpec> full,
            List<LayerSpec> thin,
            double trainFlops,
            double denseFlops,
            double wall,
            Map<String, Object> extra) {
        long fullParams = FlopsCostModel.INSTANCE.parameters(full, LayerDensities.DENSE);
        long thinParams = FlopsCostModel.INSTANCE.parameters(thin, LayerDensities.DENSE);
        extra.put("final_phase_test_accuracy", last.testAccuracy());
        extra.put("device", last.extra().getOrDefault("device", "?"));
        extra.put("sprig_version", Sprig.VERSION);
        RunSummary summary =
                new RunSummary(
                        config.method,
                        config.model,
                        data.dataset(),
                        last.testAccuracy(),
                        last.testLoss(),
                        1 - (double) thinParams / fullParams,
                        fullParams,
                        thinParams,
                        trainFlops,
                        denseFlops,
                        FlopsCostModel.INSTANCE.forwardFlops(thin, LayerDensities.DENSE),
                        wall,
                        config.epochs,
                        config.seed,
                        extra);
        RunFolder.writeAtomic(root.summary(), Json.pretty(summary.toMap()) + "\n");
        return summary;
    }
}
