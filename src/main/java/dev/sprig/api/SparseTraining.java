package dev.sprig.api;

import ai.djl.nn.Block;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.models.SprigModel;
import dev.sprig.train.HookMethod;
import dev.sprig.train.Method;
import dev.sprig.train.Methods;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Sparse training of a user's own DJL network, configured in code:
 *
 * <pre>{@code
 * RunSummary s = SparseTraining.rigl(myBlock, 1, 28, 10)
 *         .sparsity(0.9).distribution("erk").epochs(20).lr(0.1)
 *         .build()
 *         .fit(DataSplits.load("mnist", dataRoot, 0.1, 0), Path.of("runs/my-rigl"));
 * }</pre>
 *
 * <p>Every option is a {@link TrainConfig} field with the same default as on the command line
 * (RigL's defaults for RigL); {@link #set} reaches the ones without a named method. The run
 * folder is an ordinary one: {@code sprig report}, {@code sprig evaluate} and {@code sprig export}
 * read it. The block's own initial weights are replaced by Sprig's seeded initialisation, so runs
 * are reproducible.
 */
public final class SparseTraining {
    private final Block block;
    private final int channels;
    private final int size;
    private final int classes;
    private final TrainConfig config = new TrainConfig();

    private SparseTraining(String method, Block block, int channels, int size, int classes) {
        this.block = block;
        this.channels = channels;
        this.size = size;
        this.classes = classes;
        config.method = method;
        config.model = TrainConfig.CUSTOM_MODEL;
    }

    /**
     * Starts a RigL run (drop by magnitude, grow by gradient).
     *
     * @param block the network: a sequential block of Conv2d, Linear, BatchNorm and parameter-free blocks
     * @param channels input channels
     * @param size input height and width
     * @param classes outputs
     * @return the builder
     */
    public static SparseTraining rigl(Block block, int channels, int size, int classes) {
        return of("rigl", block, channels, size, classes);
    }

    /**
     * Starts a run of any registered method that is one training run (dense, static, snip, gmp,
     * set, snfs, rigl, and methods registered with {@code Methods.register}).
     *
     * @param method method key
     * @param block the network
     * @param channels input channels
     * @param size input height and width
     * @param classes outputs
     * @return the builder
     */
    public static SparseTraining of(String method, Block block, int channels, int size, int classes) {
        String m = method.toLowerCase(Locale.ROOT);
        List<String> oneRun = new java.util.ArrayList<>();
        for (Method each : Methods.all()) {
            if (each instanceof HookMethod) {
                oneRun.add(each.name());
            }
        }
        if (!oneRun.contains(m)) {
            throw new IllegalArgumentException("method must be one of " + oneRun + " (pipelines and ensembles run"
                    + " several trainings: use the command line), got " + method);
        }
        return new SparseTraining(m, block, channels, size, classes);
    }

    /** @param sparsity overall sparsity of the prunable weights, in [0, 1) @return this builder */
    public SparseTraining sparsity(double sparsity) {
        config.sparsity = sparsity;
        return this;
    }

    /** @param distribution erk, er or uniform @return this builder */
    public SparseTraining distribution(String distribution) {
        config.distribution = distribution;
        return this;
    }

    /** @param epochs epochs @return this builder */
    public SparseTraining epochs(int epochs) {
        config.epochs = epochs;
        return this;
    }

    /** @param lr base learning rate @return this builder */
    public SparseTraining lr(double lr) {
        config.lr = lr;
        return this;
    }

    /** @param batchSize mini-batch size @return this builder */
    public SparseTraining batchSize(int batchSize) {
        config.batchSize = batchSize;
        return this;
    }

    /** @param seed seed of weights, masks and data order @return this builder */
    public SparseTraining seed(long seed) {
        config.seed = seed;
        return this;
    }

    /**
     * Sets any other option.
     *
     * @param edit changes the config (e.g. {@code c -> c.updateInterval = 50})
     * @return this builder
     */
    public SparseTraining set(Consumer<TrainConfig> edit) {
        edit.accept(config);
        return this;
    }

    /**
     * Checks the options.
     *
     * @return the configured run
     * @throws SprigException naming the first bad option
     */
    public Run build() {
        TrainConfig c = config.copy().validate();
        return new Run(c, block, channels, size, classes);
    }

    /** A configured run. */
    public static final class Run {
        private final TrainConfig config;
        private final Block block;
        private final int channels;
        private final int size;
        private final int classes;

        private Run(TrainConfig config, Block block, int channels, int size, int classes) {
            this.config = config;
            this.block = block;
            this.channels = channels;
            this.size = size;
            this.classes = classes;
        }

        /** @return the resolved configuration (a copy) */
        public TrainConfig config() {
            return config.copy();
        }

        /**
         * Trains.
         *
         * @param data data splits
         * @param dir run folder (must not hold a run), or null to keep nothing on disk
         * @return the figures
         */
        public RunSummary fit(DataSplits data, Path dir) {
            if (data.train().channels() != channels || data.train().height() != size || data.train().classes() != classes) {
                throw new SprigException("the data are " + data.train().channels() + "x" + data.train().height() + " with "
                        + data.train().classes() + " classes; the network takes " + channels + "x" + size + " and "
                        + classes + " classes");
            }
            RunFolder folder = dir == null ? null : RunFolder.open(dir, RunFolder.Mode.NEW);
            return new Trainer(config, data, folder, Methods.hooksFor(config), false)
                    .model(device -> {
                        SprigModel m = SprigModel.wrap(config.model, block, channels, size, classes, device);
                        m.initialize(config.seed, (float) config.bnGammaInit);
                        return m;
                    })
                    .progress(Progress.silent())
                    .run();
        }
    }
}
