package dev.sprig.train;

import ai.djl.Device;
import dev.sprig.models.LayerSpec;
import java.util.List;

/**
 * A way of executing a training run other than the engine's masked-dense path, chosen by the {@link
 * Trainer} from the {@code exec} setting ({@code auto}, {@code dense} or the backend's name).
 * Backends are found with {@link java.util.ServiceLoader} ({@code
 * META-INF/services/dev.sprig.train.ExecutionBackend}); the CSR path for sparse MLPs is one. A
 * backend runs the method itself, from the config: it replaces the method's engine hooks.
 */
public interface ExecutionBackend {
    /**
     * Returns the {@code exec} value that selects this backend.
     *
     * @return the name, e.g. {@code sparse}
     */
    String name();

    /**
     * Says why the backend cannot run a config.
     *
     * @param config the run
     * @param specs its model's layers
     * @return the reason, or null when it can
     */
    String whyNot(TrainConfig config, List<LayerSpec> specs);

    /**
     * Says whether {@code exec: auto} picks this backend for a config it can run.
     *
     * @param config the run
     * @param specs its model's layers
     * @param device the device the engine would use
     * @return true when this backend is expected to be faster than the engine
     */
    boolean preferred(TrainConfig config, List<LayerSpec> specs, Device device);

    /**
     * Says why {@code exec: auto} left a config this backend can run on the engine.
     *
     * @param config the run
     * @param specs its model's layers
     * @return one phrase, for {@code exec_reason}
     */
    default String whyNotPreferred(TrainConfig config, List<LayerSpec> specs) {
        return "not expected to be faster for this run";
    }

    /**
     * Reads a checkpoint of this backend; a backend that once had a format of its own reads that
     * too, so older runs resume.
     *
     * @param file the checkpoint
     * @return its contents
     */
    default Checkpoint.Contents readCheckpoint(java.nio.file.Path file) {
        return Checkpoint.read(file);
    }

    /**
     * Builds the network a run starts from (or the one its checkpoint section will restore).
     *
     * @param setup config, data, device and cost accounting of the run
     * @return the session; the trainer closes it
     */
    TrainingSession open(RunSetup setup);
}
