package dev.sprig.sparse.exec;

import ai.djl.Device;
import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerSpec;
import dev.sprig.train.ExecutionBackend;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.util.List;

/**
 * The CSR execution path as a backend of the {@code Trainer} ({@code exec: sparse}, or
 * {@code auto} for sparse MLPs on a CPU; see {@link ExecutionPath} for the rule and its figures).
 */
public final class CsrBackend implements ExecutionBackend {
    /** Creates the backend (found by {@link java.util.ServiceLoader}). */
    public CsrBackend() {}

    @Override
    public String name() {
        return "sparse";
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
    public RunSummary run(TrainConfig config, DataSplits data, RunFolder folder, boolean resume, Progress progress) {
        return new SparseMlpTrainer(config, data, folder, resume).progress(progress).run();
    }
}
