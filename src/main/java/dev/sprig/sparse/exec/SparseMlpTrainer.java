package dev.sprig.sparse.exec;

import ai.djl.Device;
import dev.sprig.SeedStream;
import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.cost.CostModel;
import dev.sprig.cost.FlopsCostModel;
import dev.sprig.cost.FlopsLedger;
import dev.sprig.cost.LayerDensities;
import dev.sprig.data.BatchSource;
import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerSpec;
import dev.sprig.sparse.DropCriterion;
import dev.sprig.sparse.DropSchedule;
import dev.sprig.sparse.UpdaterMethod;
import dev.sprig.train.Methods;
import dev.sprig.sparse.GrowCriterion;
import dev.sprig.sparse.LayerAllocation;
import dev.sprig.sparse.SparseUpdater;
import dev.sprig.sparse.SparsityDistribution;
import dev.sprig.train.EpochMetrics;
import dev.sprig.train.Json;
import dev.sprig.train.LrSchedule;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunProvenance;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a fully-connected network on the sparse execution path: the same methods (dense,
 * static, SET, SNFS, RigL), schedules, seeds and run folder as {@code Trainer}, with weights,
 * gradients and momentum held only at stored positions.
 *
 * <p>For layers small enough to draw densely, the initial weights and masks are drawn exactly as
 * the masked-dense path draws them, so the same seed starts both paths from the same network;
 * larger layers (beyond {@link #DENSE_DRAW_LIMIT} weights) draw only their stored entries, from
 * U(±1/√(fan-in × density)): the fan-in each neuron really has, as sparse-initialisation work
 * recommends (Evci et al. 2022, "Gradient flow in sparse neural networks"; Liu et al. 2019). With
 * the dense bound 1/√fan-in a 99.5%-sparse layer would shrink its signal by about √200 per layer.
 */
public final class SparseMlpTrainer {
    /** Layers with more weights than this draw their masks and values sparsely. */
    public static final long DENSE_DRAW_LIMIT = 1L << 26;

    private final TrainConfig config;
    private final DataSplits data;
    private final RunFolder folder;
    private final boolean resume;
    private final CostModel cost = FlopsCostModel.INSTANCE;
    private final DropCriterion drop = DropCriterion.magnitude();
    private Progress progress = Progress.silent();
    private SparseMlp network;
    private int stopAfterEpochs = -1;
    private java.util.function.Consumer<EpochMetrics> epochListener = m -> { };

    /**
     * Sets a listener called with each epoch's metrics (benchmarks time epochs with it).
     *
     * @param listener the listener
     * @return this
     */
    public SparseMlpTrainer onEpoch(java.util.function.Consumer<EpochMetrics> listener) {
        this.epochListener = listener;
        return this;
    }

    /** Thrown by a run told to stop early (tests: a kill after a checkpoint). */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped on request");
        }
    }

    /** Makes {@link #run} throw {@link Stopped} once this many epochs are checkpointed. */
    void stopAfterEpochs(int epochs) {
        this.stopAfterEpochs = epochs;
    }

    /**
     * Creates the trainer.
     *
     * @param config the run configuration (the model must be an MLP, see {@link ExecutionPath})
     * @param data train / validation / test sets
     * @param folder output folder, or null for none
     * @param resume whether to continue from the folder's checkpoint
     */
    public SparseMlpTrainer(TrainConfig config, DataSplits data, RunFolder folder, boolean resume) {
        this.config = config;
        this.data = data;
        this.folder = folder;
        this.resume = resume;
    }

    /**
     * Sets the progress display.
     *
     * @param progress where progress goes
     * @return this
     */
    public SparseMlpTrainer progress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /**
     * Returns the trained network, once {@link #run} has returned (its worker pool is closed:
     * inspect it, do not run it).
     *
     * @return the network, or null before a run
     */
    public SparseMlp network() {
        return network;
    }

    /** The network specs of a config, on this data. */
    static List<LayerSpec> specs(TrainConfig config, DataSplits data) {
        var s = data.train();
        return dev.sprig.models.ModelZoo.specs(config.model, s.channels(), s.height(), s.classes(), config.widthMultiplier);
    }

    /**
     * Builds the network the run starts from: weights and masks from the seed.
     *
     * @param config run configuration
     * @param specs linear layers in order
     * @param pool workers
     * @return the network
     */
    public static SparseMlp initialNetwork(TrainConfig config, List<LayerSpec> specs, WorkerPool pool) {
        LayerAllocation allocation = allocation(config, specs);
        SeedStream seeds = new SeedStream(config.seed);
        List<CsrLayer> layers = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            LayerSpec l = specs.get(i);
            int rows = l.outChannels();
            int cols = l.inChannels();
            long size = l.weightCount();
            long keep = allocation.keep().get(l.name());
            double bound = 1.0 / Math.sqrt(cols);
            // Parameter indices as SprigModel.initialize counts them: weight, then bias, per layer.
            float[] bias = uniform(seeds.derive("init", 2L * i + 2), rows, bound);
            if (size <= DENSE_DRAW_LIMIT) {
                float[] w = uniform(seeds.derive("init", 2L * i + 1), (int) size, bound);
                boolean[] mask = keep == size ? full((int) size)
                        : SparseUpdater.uniformMask(seeds.derive("mask-init", i), (int) size, keep);
                layers.add(CsrLayer.fromDense(l.name(), rows, cols, w, mask, bias));
            } else {
                long[] pos = samplePositions(seeds.derive("mask-init", i), size, keep);
                SplittableRandom r = seeds.derive("init-sparse", i);
                double sparseBound = 1.0 / Math.sqrt(Math.max(1.0, cols * ((double) keep / size)));
                float[] v = new float[pos.length];
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) ((r.nextDouble() * 2 - 1) * sparseBound);
                }
                layers.add(CsrLayer.of(l.name(), rows, cols, pos, v, bias));
            }
        }
        return new SparseMlp(layers, pool);
    }

    static LayerAllocation allocation(TrainConfig config, List<LayerSpec> specs) {
        if (!method(config).sparse()) {
            Map<String, Long> n = new LinkedHashMap<>();
            for (LayerSpec l : specs) {
                n.put(l.name(), l.weightCount());
            }
            return new LayerAllocation(n, n);
        }
        return SparsityDistribution.named(config.distribution, config.firstLayerDense, config.lastLayerDense,
                config.layerDensities).allocate(specs, config.sparsity);
    }

    private static boolean[] full(int n) {
        boolean[] m = new boolean[n];
        Arrays.fill(m, true);
        return m;
    }

    private static float[] uniform(SplittableRandom r, int n, double bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    /**
     * Draws {@code keep} distinct positions of {@code [0, size)} uniformly, sorted, without a
     * dense array: draw, sort, drop duplicates, redraw the shortfall.
     */
    static long[] samplePositions(SplittableRandom r, long size, long keep) {
        if (keep > Integer.MAX_VALUE - 8) {
            throw new SprigException("a layer cannot store more than 2^31 weights on the sparse path");
        }
        long[] pos = new long[0];
        while (pos.length < keep) {
            int missing = (int) (keep - pos.length);
            long[] more = new long[pos.length + missing];
            System.arraycopy(pos, 0, more, 0, pos.length);
            for (int k = pos.length; k < more.length; k++) {
                more[k] = r.nextLong(size);
            }
            Arrays.parallelSort(more);
            int n = 0;
            for (int k = 0; k < more.length; k++) {
                if (k == 0 || more[k] != more[k - 1]) {
                    more[n++] = more[k];
                }
            }
            pos = Arrays.copyOf(more, n);
        }
        return pos;
    }

    private static UpdaterMethod method(TrainConfig config) {
        return (UpdaterMethod) Methods.get(config.method);
    }

    /** The method's growth criterion, or null when its masks never change (dense, static). */
    private GrowCriterion growCriterion() {
        return method(config).csr() instanceof UpdaterMethod.DropAndGrow d ? d.growth().apply(config) : null;
    }

    private boolean skipsUpdateStep() {
        boolean byDefault = method(config).csr() instanceof UpdaterMethod.DropAndGrow d && d.skipByDefault();
        return config.skipUpdateStep == null ? byDefault : config.skipUpdateStep;
    }

    /**
     * Trains and returns the final figures.
     *
     * @return the summary (also written to {@code summary.json} when there is a folder)
     */
    public RunSummary run() {
        List<LayerSpec> specs = specs(config, data);
        String why = ExecutionPath.whyNotSparse(config, specs);
        if (why != null) {
            throw new SprigException("the sparse execution path cannot run this: " + why);
        }
        long runStart = System.nanoTime();
        Device device = Sprig.device(config.device);
        GrowCriterion grow = growCriterion();
        boolean skipUpdateStep = skipsUpdateStep();
        try (WorkerPool pool = new WorkerPool(config.threads)) {
            BatchSource train = new BatchSource(data.train(), data.normalization(), config.batchSize, true,
                    config.augments(data.augment()), config.seed);
            BatchSource val = data.validation() == null ? null
                    : new BatchSource(data.validation(), data.normalization(), config.evalBatchSize, false, false, config.seed);
            BatchSource test = new BatchSource(data.test(), data.normalization(), config.evalBatchSize, false, false, config.seed);
            int steps = config.maxStepsPerEpoch > 0 ? Math.min(config.maxStepsPerEpoch, train.batchesPerEpoch())
                    : train.batchesPerEpoch();
            LrSchedule schedule = LrSchedule.of(config, steps);
            DropSchedule drops = DropSchedule.of(config, (long) steps * config.epochs);
            SeedStream seeds = new SeedStream(config.seed);
            FlopsLedger ledger = new FlopsLedger();

            SparseCheckpoint.State state;
            SparseMlp net;
            if (resume && java.nio.file.Files.isRegularFile(folder.lastCheckpoint())) {
                SparseCheckpoint.Loaded loaded = SparseCheckpoint.load(folder.lastCheckpoint(), specs, pool);
                net = loaded.network();
                state = loaded.state();
                ledger.restore(state.trainFlops(), state.denseTrainFlops());
            } else {
                net = initialNetwork(config, specs, pool);
                state = new SparseCheckpoint.State(0, 0, 0, 0, 0, -1, 0, 0, false, List.of(), Map.of());
                if (folder != null && !resume) {
                    String yaml = Json.toYaml(config);
                    RunFolder.writeAtomic(folder.config(), yaml);
                    RunFolder.writeAtomic(folder.dir().resolve("provenance.json"),
                            Json.pretty(RunProvenance.of(config, yaml, device)) + "\n");
                }
            }
            Map<String, float[]> gradientAverage = new LinkedHashMap<>(state.gradientAverage());
            if (grow != null && grow.stateFloats() > 0 && gradientAverage.isEmpty()) {
                for (CsrLayer l : net.layers()) {
                    gradientAverage.put(l.name(),
                            new float[Math.multiplyExact(Math.multiplyExact(l.rows(), l.cols()), grow.stateFloats())]);
                }
            }
            long denseStepFlops = cost.trainStepFlops(specs, LayerDensities.DENSE, false);
            long step = state.step();
            long updates = state.updates();
            boolean optimizerStarted = state.optimizerStarted();
            double bestVal = state.bestValAccuracy();
            int bestEpoch = state.bestEpoch();
            List<String> metricsLines = new ArrayList<>(state.metricsLines());
            EpochMetrics last = null;
            double wallBefore = state.wallSeconds();
            for (int epoch = state.epoch(); epoch < config.epochs; epoch++) {
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                double epochSeconds = 0;
                progress.epochStart(epoch + 1, config.epochs, steps, 0);
                for (int b = 0; b < steps; b++) {
                    long t0 = System.nanoTime();
                    BatchSource.Batch batch = train.batch(epoch, b);
                    double lr = schedule.at(step);
                    SparseMlp.BatchResult r = net.forwardBackward(batch.images(), batch.labels(), config.labelSmoothing);
                    if (!Double.isFinite(r.loss())) {
                        throw new SprigException(String.format(
                                "training diverged at epoch %d, step %d: loss is %s (resume the last checkpoint with a lower lr)",
                                epoch + 1, step, r.loss()));
                    }
                    boolean update = grow != null && drops.isUpdateStep(step);
                    GrowCriterion.GradientUse use = grow == null ? GrowCriterion.GradientUse.NONE : grow.gradientUse();
                    boolean denseGradient = use == GrowCriterion.GradientUse.EVERY_STEP
                            || (update && use == GrowCriterion.GradientUse.ON_UPDATE);
                    if (use == GrowCriterion.GradientUse.EVERY_STEP) {
                        accumulateState(net, grow, gradientAverage, device);
                    }
                    if (update && skipUpdateStep) {
                        updates += rewireAll(net, grow, drops.dropFraction(step), step, seeds, gradientAverage, device);
                    } else {
                        for (CsrLayer l : net.layers()) {
                            l.sgdStep(lr, config.momentum, config.nesterov, config.weightDecay, !optimizerStarted, pool);
                        }
                        optimizerStarted = true;
                        if (update) {
                            updates += rewireAll(net, grow, drops.dropFraction(step), step, seeds, gradientAverage, device);
                        }
                    }
                    ledger.record(batch.size(), cost.trainStepFlops(specs, densities(net), denseGradient), denseStepFlops);
                    step++;
                    lossSum += r.loss() * batch.size();
                    correct += r.correct();
                    seen += batch.size();
                    epochSeconds += (System.nanoTime() - t0) / 1e9;
                    progress.step(batch.size(), lossSum / seen, (double) correct / seen);
                }
                double[] v = val == null ? null : evaluate(net, val);
                double[] t = evaluate(net, test);
                last = new EpochMetrics(epoch + 1, step, schedule.at(Math.max(0, step - 1)), lossSum / seen,
                        (double) correct / seen, v == null ? null : v[0], v == null ? null : v[1], t[0], t[1],
                        epochSeconds, ledger.trainFlops(), ledger.denseTrainFlops());
                epochListener.accept(last);
                ObjectNode line = Json.JSON.valueToTree(last);
                line.put("exec", "sparse");
                line.put("samples_per_s", seen / Math.max(epochSeconds, 1e-9));
                if (grow != null) {
                    line.put("mask_updates", updates);
                }
                metricsLines.add(Json.line(line));
                progress.epochEnd(String.format(
                        "epoch %d/%d  loss %.4f  train acc %.4f%s  test acc %.4f  lr %.4g  %.1f s  (%.0f samples/s, sparse path)",
                        epoch + 1, config.epochs, last.trainLoss(), last.trainAccuracy(),
                        v == null ? "" : String.format("  val acc %.4f", v[1]), t[1], last.lr(), epochSeconds,
                        seen / Math.max(epochSeconds, 1e-9)));
                boolean improved = v != null && v[1] > bestVal;
                if (improved) {
                    bestVal = v[1];
                    bestEpoch = epoch + 1;
                }
                if (folder != null) {
                    RunFolder.writeAtomic(folder.metrics(), String.join("\n", metricsLines) + "\n");
                    SparseCheckpoint.State done = new SparseCheckpoint.State(epoch + 1, step,
                            ledger.trainFlops(), ledger.denseTrainFlops(), wallBefore + (System.nanoTime() - runStart) / 1e9,
                            bestEpoch == 0 ? -1 : bestVal, bestEpoch, updates, optimizerStarted, metricsLines,
                            gradientAverage);
                    SparseCheckpoint.save(folder.lastCheckpoint(), net, done);
                    if (improved) {
                        // The best-validation model, as the engine path keeps it (ensembles use it).
                        SparseCheckpoint.save(folder.bestCheckpoint(), net, done);
                    }
                }
                if (epoch + 1 == stopAfterEpochs) {
                    throw new Stopped();
                }
            }
            if (last == null) {
                last = EpochMetrics.fromLastLine(metricsLines);
            }
            network = net;
            return summarize(net, specs, last, bestVal, bestEpoch, updates, device,
                    wallBefore + (System.nanoTime() - runStart) / 1e9);
        }
    }

    private static LayerDensities densities(SparseMlp net) {
        Map<String, Double> d = new LinkedHashMap<>();
        for (CsrLayer l : net.layers()) {
            d.put(l.name(), (double) l.nnz() / ((double) l.rows() * l.cols()));
        }
        return new LayerDensities(d);
    }

    /** Folds every layer's dense gradient into the criterion's state (SNFS's moving average), block by block. */
    private static void accumulateState(SparseMlp net, GrowCriterion grow, Map<String, float[]> state, Device device) {
        int b = net.lastBatch();
        for (int i = 0; i < net.layers().size(); i++) {
            CsrLayer l = net.layers().get(i);
            float[][] f = net.gradientFactors(i);
            float[] s = state.get(l.name());
            try (DenseGradient g = new DenseGradient(device, f[0], f[1], l.cols(), b)) {
                int blockRows = Math.max(1, Math.min(l.rows(), Rewiring.BLOCK_FLOATS / l.cols()));
                for (int from = 0; from < l.rows(); from += blockRows) {
                    int to = Math.min(l.rows(), from + blockRows);
                    grow.accumulate(s, from * l.cols(), g.rows(from, to));
                }
            }
        }
    }

    private int rewireAll(SparseMlp net, GrowCriterion grow, double fraction, long step, SeedStream seeds,
            Map<String, float[]> state, Device device) {
        boolean randomInit = config.growInit.toLowerCase(Locale.ROOT).equals("random_normal");
        int b = net.lastBatch();
        for (int i = 0; i < net.layers().size(); i++) {
            CsrLayer l = net.layers().get(i);
            long size = (long) l.rows() * l.cols();
            int nDrop = (int) Math.floor(l.nnz() * fraction);
            if (nDrop == 0 || l.nnz() == size) {
                continue; // dense layers (ERK may make some) stay dense
            }
            SplittableRandom init = randomInit ? seeds.derive("grow-init", step, i) : null;
            if (grow.gradientUse() == GrowCriterion.GradientUse.ON_UPDATE) {
                float[][] f = net.gradientFactors(i);
                try (DenseGradient g = new DenseGradient(device, f[0], f[1], l.cols(), b)) {
                    GrowCriterion.RowScores scores = grow.scores(
                            new GrowCriterion.Input(i, l.rows(), l.cols(), step, seeds, g::rows, state.get(l.name())));
                    Rewiring.rewire(l, nDrop, drop, scores, config.reinitWhenSame, init);
                }
            } else {
                GrowCriterion.RowScores scores = grow.scores(
                        new GrowCriterion.Input(i, l.rows(), l.cols(), step, seeds, null, state.get(l.name())));
                Rewiring.rewire(l, nDrop, drop, scores, config.reinitWhenSame, init);
            }
        }
        return 1;
    }

    private static double[] evaluate(SparseMlp net, BatchSource source) {
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        for (int b = 0; b < source.batchesPerEpoch(); b++) {
            BatchSource.Batch batch = source.batch(0, b);
            float[] logits = net.forward(batch.images(), batch.size());
            SparseMlp.BatchResult r = SparseMlp.softmaxCrossEntropy(logits, batch.labels(), 0, null);
            lossSum += r.loss() * batch.size();
            correct += r.correct();
            seen += batch.size();
        }
        return new double[] {lossSum / seen, (double) correct / seen};
    }

    private RunSummary summarize(SparseMlp net, List<LayerSpec> specs, EpochMetrics last, double bestVal, int bestEpoch,
            long updates, Device device, double wall) {
        LayerDensities d = densities(net);
        long size = 0;
        long stored = 0;
        for (CsrLayer l : net.layers()) {
            size += (long) l.rows() * l.cols();
            stored += l.nnz();
        }
        long params = 0;
        for (LayerSpec l : specs) {
            params += l.parameterCount();
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("train_accuracy", last.trainAccuracy());
        if (bestEpoch > 0) {
            extra.put("best_val_accuracy", bestVal);
            extra.put("best_epoch", bestEpoch);
        }
        extra.put("steps", last.step());
        extra.put("exec", "sparse");
        extra.put("threads", net.pool().threads());
        extra.put("samples_per_s", samplesPerSecond(last, data.train().size(), config));
        extra.put("device", device.toString());
        extra.put("sprig_version", Sprig.VERSION);
        if (method(config).sparse()) {
            extra.put("layer_densities", d.byLayer());
            extra.put("distribution", config.distribution);
            extra.put("mask_updates", updates);
        }
        RunSummary summary = new RunSummary(config.method, config.model, data.dataset(), last.testAccuracy(),
                last.testLoss(), size == 0 ? 0 : 1 - (double) stored / size, params, cost.parameters(specs, d),
                last.trainFlops(), last.denseTrainFlops(), cost.forwardFlops(specs, d), wall, last.epoch(), config.seed,
                extra);
        if (folder != null) {
            RunFolder.writeAtomic(folder.summary(), Json.pretty(summary.toMap()) + "\n");
        }
        return summary;
    }

    private static double samplesPerSecond(EpochMetrics last, int trainSize, TrainConfig config) {
        long perEpoch = config.maxStepsPerEpoch > 0
                ? Math.min((long) config.maxStepsPerEpoch * config.batchSize, trainSize) : trainSize;
        return perEpoch / Math.max(last.epochSeconds(), 1e-9);
    }
}
