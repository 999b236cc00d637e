package dev.sprig.train;

import dev.sprig.data.DataSplits;
import java.nio.file.Path;

/**
 * Everything a method needs to run once: its resolved config, the data, where to write and how
 * to treat a run already there.
 *
 * @param config the resolved, validated config
 * @param data train / validation / test splits
 * @param dir the run folder
 * @param mode new, overwrite or resume
 * @param progress where progress goes
 */
public record MethodRun(TrainConfig config, DataSplits data, Path dir, RunFolder.Mode mode, Progress progress) {
    /**
     * Says whether the run continues from its checkpoint.
     *
     * @return true when resuming
     */
    public boolean resume() {
        return mode == RunFolder.Mode.RESUME;
    }
}
