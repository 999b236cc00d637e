package dev.sprig.api;

import ai.djl.nn.Block;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.models.Blueprint;
import dev.sprig.train.HookMethod;
import dev.sprig.train.Method;
import dev.sprig.train.MethodRun;
import dev.sprig.train.Methods;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
 * (RigL's defaults for RigL); {@link #set} reaches the ones without a named method. The run folder
 * is an ordinary one: {@code sprig report}, {@code sprig evaluate} and {@code sprig export} read
 * it. The block's own initial weights are replaced by Sprig's seeded initialisation, so runs are
 * reproducible.
 */
public final class SparseTraining {
    private final Blueprint network;
    private final boolean oneInstance;
    private final int channels;
    private final int size;
    private final int classes;
    private final TrainConfig config = new TrainConfig();

    private SparseTraining(
            String method,
            Blueprint network,
            boolean oneInstance,
            int channels,
            int size,
            int classes) {
        this.network = network;
        this.oneInstance = oneInstance;
        this.channels = channels;
        this.size = size;
        this.classes = classes;
        config.method = method;
        config.model = TrainConfig.CUSTOM_MODEL;
    }

    /**
     * Starts a RigL run (drop by magnitude, grow by gradient).
     *
     * @param block the network: a sequential block of Conv2d, Linear, BatchNorm and parameter-free
     *     blocks
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
     * set, snfs, rigl, and methods registered with {@code Methods.register}) on one block instance.
     *
     * @param method method key
     * @param block the network
     * @param channels input channels
     * @param size input height and width
     * @param classes outputs
     * @return the builder
     */
    public static SparseTraining of(
            String method, Block block, int channels, int size, int classes) {
        Method m = Methods.get(method);
        if (!(m instanceof HookMethod)) {
            throw new IllegalArgumentException(
                    m.name()
                            + " trains more than one network (a pipeline or an ensemble): give a"
                            + " supplier of fresh blocks, SparseTraining.of(method, () ->"
                            + " newNetwork(), ...)");
        }
        return new SparseTraining(
                m.name(),
                Blueprint.wrapped("custom", () -> block, channels, size, classes),
                true,
                channels,
                size,
                classes);
    }

    /**
     * Starts a run of any registered method, pipelines included (Early-Bird and its baselines,
     * EPI): the supplier gives a fresh block whenever a phase builds a network (structured pruning
     * builds a narrower one from it; channels that shrink together are found from its structure).
     *
     * @param method method key
     * @param network supplies fresh, uninitialised blocks of the network
     * @param channels input channels
     * @param size input height and width
     * @param classes outputs
     * @return the builder
     */
    public static SparseTraining of(
            String method, Supplier<Block> network, int channels, int size, int classes) {
        Method m = Methods.get(method);
        if (m.family().equals("ensemble")) {
            throw new IllegalArgumentException(
                    m.name()
                            + " trains members in separate processes, which cannot rebuild a"
                            + " network defined in Java: train members one by one with a sparse"
                            + " method");
        }
        return new SparseTraining(
                m.name(),
                Blueprint.wrapped("custom", network, channels, size, classes),
                false,
                channels,
                size,
                classes);
    }

    /**
     * Starts an Early-Bird run: slimming search until the channel mask settles, shrink, train the
     * ticket.
     *
     * @param network supplies fresh, uninitialised blocks of the network
     * @param channels input channels
     * @param size input height and width
     * @param classes outputs
     * @return the builder
     */
    public static SparseTraining earlybird(
            Supplier<Block> network, int channels, int size, int classes) {
        return of("earlybird", network, channels, size, classes);
    }

    /**
     * @param sparsity overall sparsity of the prunable weights, in [0, 1) @return this builder
     */
    public SparseTraining sparsity(double sparsity) {
        config.sparsity = sparsity;
        return this;
    }

    /**
     * @param distribution erk, er or uniform @return this builder
     */
    public SparseTraining distribution(String distribution) {
        config.distribution = distribution;
        return this;
    }

    /**
     * @param epochs epochs @return this builder
     */
    public SparseTraining epochs(int epochs) {
        config.epochs = epochs;
        return this;
    }

    /**
     * @param lr base learning rate @return this builder
     */
    public SparseTraining lr(double lr) {
        config.lr = lr;
        return this;
    }

    /**
     * @param batchSize mini-batch size @return this builder
     */
    public SparseTraining batchSize(int batchSize) {
        config.batchSize = batchSize;
        return this;
    }

    /**
     * @param seed seed of weights, masks and data order @return this builder
     */
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
        return new Run(c, network, oneInstance, channels, size, classes);
    }

    /** A configured run. */
    public static final class Run {
        private final TrainConfig config;
        private final Blueprint network;
        private final boolean oneInstance;
        private final int channels;
        private final int size;
        private final int classes;

        private Run(
                TrainConfig config,
                Blueprint network,
                boolean oneInstance,
                int channels,
                int size,
                int classes) {
            this.config = config;
            this.network = network;
            this.oneInstance = oneInstance;
            this.channels = channels;
            this.size = size;
            this.classes = classes;
        }

        /**
         * @return the resolved configuration (a copy)
         */
        public TrainConfig config() {
            return config.copy();
        }

        /**
         * Trains, through the method registry as the command line does.
         *
         * @param data data splits
         * @param dir run folder (must not hold a run); null keeps nothing on disk, for methods that
         *     are one training run
         * @return the figures
         */
        public RunSummary fit(DataSplits data, Path dir) {
            if (data.train().channels() != channels
                    || data.train().height() != size
                    || data.train().classes() != classes) {
                throw new SprigException(
                        "the data are "
                                + data.train().channels()
                                + "x"
                                + data.train().height()
                                + " with "
                                + data.train().classes()
                                + " classes; the network takes "
                                + channels
                                + "x"
                                + size
                                + " and "
                                + classes
                                + " classes");
            }
            Method method = Methods.get(config.method);
            if (dir == null) {
                if (!(method instanceof HookMethod h)) {
                    throw new SprigException(
                            method.name()
                                    + " writes its phases to a run folder: give fit a folder");
                }
                return new Trainer(config, data, null, h.hooks(config), false)
                        .model(
                                device ->
                                        network.build(
                                                config.channelWidths,
                                                device,
                                                config.seed,
                                                (float) config.bnGammaInit))
                        .progress(Progress.silent())
                        .run();
            }
            if (oneInstance && !(method instanceof HookMethod)) {
                throw new SprigException(method.name() + " needs a supplier of fresh blocks");
            }
            return method.run(
                    new MethodRun(
                            config, data, dir, RunFolder.Mode.NEW, Progress.silent(), network));
        }
    }
}
