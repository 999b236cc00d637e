package dev.sprig.train;

import dev.sprig.data.DataSplits;
import dev.sprig.models.Blueprint;
import java.nio.file.Path;

/**
 * Everything a method needs to run once: its resolved config, the data, where to write and how to
 * treat a run already there.
 *
 * @param config the resolved, validated config
 * @param data train / validation / test splits
 * @param dir the run folder
 * @param mode new, overwrite or resume
 * @param progress where progress goes
 * @param network the network to train, or null for the zoo's {@code config.model}
 */
public record MethodRun(
        TrainConfig config,
        DataSplits data,
        Path dir,
        RunFolder.Mode mode,
        Progress progress,
        Blueprint network) {
    /**
     * A run of the zoo's {@code config.model}.
     *
     * @param config the resolved, validated config
     * @param data train / validation / test splits
     * @param dir the run folder
     * @param mode new, overwrite or resume
     * @param progress where progress goes
     */
    public MethodRun(
            TrainConfig config, DataSplits data, Path dir, RunFolder.Mode mode, Progress progress) {
        this(config, data, dir, mode, progress, null);
    }

    /**
     * Returns the network the run trains: the given one, or the zoo's {@code config.model}.
     *
     * @return the blueprint
     */
    public Blueprint blueprint() {
        return network != null ? network : Trainer.blueprint(config, data.train());
    }

    /**
     * Says whether the run continues from its checkpoint.
     *
     * @return true when resuming
     */
    public boolean resume() {
        return mode == RunFolder.Mode.RESUME;
    }

    /**
     * Builds a phase's network at the phase's widths (a pruned phase's are narrower): the user's
     * network from its blueprint, or the zoo's from the phase's own config.
     *
     * @param phase the phase's config (widths, seed, initial batch-norm scale)
     * @return a factory for the {@link Trainer}
     */
    public java.util.function.Function<ai.djl.Device, dev.sprig.models.SprigModel> modelFactory(
            TrainConfig phase) {
        if (network == null) {
            return device -> Trainer.buildModel(phase, data.train(), device);
        }
        return device ->
                network.build(phase.channelWidths, device, phase.seed, (float) phase.bnGammaInit);
    }
}
