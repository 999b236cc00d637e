package dev.sprig.ensemble;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sprig.SprigException;
import dev.sprig.data.BatchSource;
import dev.sprig.data.ImageSet;
import dev.sprig.data.Normalization;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.exec.SparseCheckpoint;
import dev.sprig.sparse.exec.SparseMlp;
import dev.sprig.sparse.exec.WorkerPool;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Json;
import dev.sprig.train.SgdOptimizer;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A trained model read back from a run folder for inference: the best-validation checkpoint where
 * the run kept one (FreeTickets ensembles each member's best-validation model), else the last.
 * Reads both checkpoint formats, the engine's and the sparse path's, so an ensemble may mix members
 * trained on either.
 */
public final class MemberModel implements AutoCloseable {
    private final Path dir;
    private final TrainConfig config;
    private final String checkpoint;
    private final SprigModel engineModel;
    private final SparseMlp sparseModel;
    private final WorkerPool pool;
    private final int classes;
    private final int[] shape;

    private MemberModel(
            Path dir,
            TrainConfig config,
            String checkpoint,
            SprigModel engineModel,
            SparseMlp sparseModel,
            WorkerPool pool,
            int classes,
            int[] shapeOf) {
        this.classes = classes;
        this.shape = shapeOf;
        this.dir = dir;
        this.config = config;
        this.checkpoint = checkpoint;
        this.engineModel = engineModel;
        this.sparseModel = sparseModel;
        this.pool = pool;
    }

    /**
     * Opens a run folder.
     *
     * @param dir run folder with {@code config.yaml} and a checkpoint
     * @param shape a set of the data the model was trained on (for input shape and classes)
     * @param device device for engine models
     * @return the model; close it
     * @throws SprigException when the folder holds no trained model
     */
    public static MemberModel open(Path dir, ImageSet shape, Device device) {
        Path configFile = dir.resolve("config.yaml");
        if (!Files.isRegularFile(configFile)) {
            throw new SprigException(dir + " is not a run folder (no config.yaml)");
        }
        TrainConfig config = Json.readConfig(configFile);
        Path best = dir.resolve("checkpoints/best.ckpt");
        Path last = dir.resolve("checkpoints/last.ckpt");
        Path file = Files.isRegularFile(best) ? best : last;
        if (!Files.isRegularFile(file)) {
            throw new SprigException(dir + " holds no checkpoint (is the run finished?)");
        }
        String which = file == best ? "best" : "last";
        config.requireZooModel();
        List<LayerSpec> specs =
                ModelZoo.specs(
                        config.model,
                        shape.channels(),
                        shape.height(),
                        shape.classes(),
                        config.widthMultiplier);
        boolean mlp = specs.stream().allMatch(l -> l.kind() == dev.sprig.models.LayerKind.LINEAR);
        if (SparseCheckpoint.isSparse(file) && mlp) {
            WorkerPool pool = new WorkerPool(config.threads);
            try {
                return new MemberModel(
                        dir,
                        config,
                        which,
                        null,
                        SparseCheckpoint.network(file, specs, pool),
                        pool,
                        shape.classes(),
                        new int[] {shape.channels(), shape.height(), shape.width()});
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
        }
        SprigModel model = Trainer.buildModel(config, shape, device);
        try {
            if (SparseCheckpoint.isSparse(file)) {
                SparseCheckpoint.copyInto(file, model); // a CNN of the sparse backend
            } else {
                Checkpoint.load(file, model, new SgdOptimizer(0, false, 0), List.of());
            }
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return new MemberModel(
                dir,
                config,
                which,
                model,
                null,
                null,
                shape.classes(),
                new int[] {shape.channels(), shape.height(), shape.width()});
    }

    /**
     * @return the run folder
     */
    public Path dir() {
        return dir;
    }

    /**
     * @return the run's configuration
     */
    public TrainConfig config() {
        return config;
    }

    /**
     * @return which checkpoint was read: best or last
     */
    public String checkpoint() {
        return checkpoint;
    }

    /**
     * Predicts class probabilities over the model's classes.
     *
     * @param set images of the model's input shape (normalised with the training statistics,
     *     whatever their source; the labels of an out-of-distribution set are carried, not used)
     * @param norm the training data's normalisation
     * @param batchSize examples per forward pass
     * @return softmax probabilities
     */
    public Predictions predict(ImageSet set, Normalization norm, int batchSize) {
        BatchSource source = new BatchSource(set, norm, batchSize, false, false, 0);
        if (set.channels() != shape[0] || set.height() != shape[1] || set.width() != shape[2]) {
            throw new SprigException(
                    set.name()
                            + " images are "
                            + set.channels()
                            + "×"
                            + set.height()
                            + "×"
                            + set.width()
                            + ", the model takes "
                            + shape[0]
                            + "×"
                            + shape[1]
                            + "×"
                            + shape[2]);
        }
        float[] probs = new float[set.size() * classes];
        int at = 0;
        for (int b = 0; b < source.batchesPerEpoch(); b++) {
            BatchSource.Batch batch = source.batch(0, b);
            float[] p;
            if (engineModel != null) {
                try (NDManager step = engineModel.manager().newSubManager()) {
                    NDArray x =
                            step.create(
                                    batch.images(),
                                    new Shape(
                                            batch.size(),
                                            set.channels(),
                                            set.height(),
                                            set.width()));
                    p = engineModel.forward(x, false).softmax(1).toFloatArray();
                }
            } else {
                p =
                        softmaxColumns(
                                sparseModel.forward(batch.images(), batch.size()),
                                classes,
                                batch.size());
            }
            System.arraycopy(p, 0, probs, at, p.length);
            at += p.length;
        }
        return new Predictions(probs, classes, set.labels());
    }

    /** Softmax of feature-major logits ({@code classes × b}) into batch-major probabilities. */
    private static float[] softmaxColumns(float[] logits, int classes, int b) {
        float[] out = new float[classes * b];
        for (int n = 0; n < b; n++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[c * b + n]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[c * b + n] - max);
            }
            for (int c = 0; c < classes; c++) {
                out[n * classes + c] = (float) (Math.exp(logits[c * b + n] - max) / sum);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (engineModel != null) {
            engineModel.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
