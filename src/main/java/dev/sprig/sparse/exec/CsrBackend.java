package dev.sprig.sparse.exec;

import ai.djl.Device;
import dev.sprig.models.LayerSpec;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.ExecutionBackend;
import dev.sprig.train.RunSetup;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.TrainingSession;
import java.util.List;

/**
 * The CSR execution path as a backend of the {@code Trainer} ({@code exec: sparse}, or {@code auto}
 * for sparse MLPs on a CPU; see {@link ExecutionPath} for the rule and its figures).
 */
public final class CsrBackend implements ExecutionBackend {
    /** Creates the backend (found by {@link java.util.ServiceLoader}). */
    public CsrBackend() {}

    /** The {@code exec} value that selects this backend, and its name in checkpoints. */
    public static final String NAME = "sparse";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String whyNot(TrainConfig config, List<LayerSpec> specs) {
        return ExecutionPath.whyNotSparse(config, specs);
    }

    @Override
    public boolean preferred(TrainConfig config, List<LayerSpec> specs, Device device) {
        return ExecutionPath.choose(config, specs, device) == ExecutionPath.SPARSE;
    }

    @Override
    public String whyNotPreferred(TrainConfig config, List<LayerSpec> specs) {
        return ExecutionPath.whyEngine(config, specs);
    }

    /** Reads the common format, or the sparse path's format from before it (older runs resume). */
    @Override
    public Checkpoint.Contents readCheckpoint(java.nio.file.Path file) {
        return SparseCheckpoint.isLegacy(file)
                ? SparseCheckpoint.legacyContents(file)
                : Checkpoint.read(file);
    }

    @Override
    public TrainingSession open(RunSetup setup) {
        return new CsrSession(setup);
    }
}
