package dev.sprig.sparse.exec;

import ai.djl.Device;
import dev.sprig.SeedStream;
import dev.sprig.SprigException;
import dev.sprig.cost.LayerDensities;
import dev.sprig.data.BatchSource;
import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.sparse.DropCriterion;
import dev.sprig.sparse.DropSchedule;
import dev.sprig.sparse.DynamicSparseOptions;
import dev.sprig.sparse.GrowCriterion;
import dev.sprig.sparse.LayerAllocation;
import dev.sprig.sparse.Rewiring;
import dev.sprig.sparse.SparseUpdater;
import dev.sprig.sparse.SparsityOptions;
import dev.sprig.sparse.UpdaterMethod;
import dev.sprig.train.EpochMetrics;
import dev.sprig.train.Evaluation;
import dev.sprig.train.Methods;
import dev.sprig.train.RunSetup;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.TrainingSession;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CSR backend's run: a fully-connected network whose weights, gradients and momentum exist only
 * at stored positions, trained by the same methods (dense, static, and every drop-and-grow method
 * with its registered {@link GrowCriterion}), schedules and seeds as the engine path, under the one
 * {@code Trainer} loop.
 *
 * <p>For layers small enough to draw densely, the initial weights and masks are drawn exactly as
 * the masked-dense path draws them, so the same seed starts both paths from the same network;
 * larger layers (beyond {@link #DENSE_DRAW_LIMIT} weights) draw only their stored entries, from
 * U(±1/√(fan-in × density)): the fan-in each neuron really has, as sparse-initialisation work
 * recommends (Evci et al. 2022, "Gradient flow in sparse neural networks"; Liu et al. 2019). With
 * the dense bound 1/√fan-in a 99.5%-sparse layer would shrink its signal by about √200 per layer.
 *
 * <p>Checkpoint section: mask updates so far, whether the optimiser has started, the layers ({@link
 * CsrFormat}) and the growth criterion's state per layer.
 */
public final class CsrSession implements TrainingSession {
    /** Layers with more weights than this draw their masks and values sparsely. */
    public static final long DENSE_DRAW_LIMIT = 1L << 26;

    private final TrainConfig config;
    private final Device device;
    private final List<LayerSpec> specs;
    private final WorkerPool pool;
    private final UpdaterMethod method;
    private final GrowCriterion grow;
    private final DropCriterion drop = DropCriterion.magnitude();
    private final DynamicSparseOptions options;
    private final boolean skipUpdateStep;
    private final DropSchedule drops;
    private final SeedStream seeds;
    private SparseNetwork net;
    private Map<String, float[]> growState = new LinkedHashMap<>();
    private long updates;
    private final dev.sprig.sparse.MaskChangeLog changeLog = new dev.sprig.sparse.MaskChangeLog();
    private boolean optimizerStarted;
    private EpochMetrics lastEpoch;
    private final int trainSize;
    private final dev.sprig.data.ImageSet train;

    CsrSession(RunSetup setup) {
        this.config = setup.config();
        this.device = setup.device();
        this.specs = specs(config, setup.data());
        String why = ExecutionPath.whyNotSparse(config, specs);
        if (why != null) {
            throw new SprigException("the sparse execution path cannot run this: " + why);
        }
        this.method = (UpdaterMethod) Methods.get(config.method);
        this.grow =
                method.csr() instanceof UpdaterMethod.DropAndGrow d
                        ? d.growth().apply(config)
                        : null;
        boolean byDefault =
                method.csr() instanceof UpdaterMethod.DropAndGrow d && d.skipByDefault();
        this.options = DynamicSparseOptions.from(config);
        this.skipUpdateStep =
                options.skipUpdateStep() == null ? byDefault : options.skipUpdateStep();
        this.drops = DropSchedule.of(config, (long) setup.stepsPerEpoch() * config.epochs);
        this.seeds = new SeedStream(config.seed);
        this.pool = new WorkerPool(config.threads);
        this.net =
                isRecurrent(specs)
                        ? SparseGru.initial(config, setup.data().train(), setup.device(), pool)
                        : isConvolutional(specs)
                                ? SparseCnn.initial(
                                        config, setup.data().train(), setup.device(), pool)
                                : initialNetwork(config, specs, pool);
        this.trainSize = setup.data().train().size();
        this.train = setup.data().train();
    }

    /**
     * Returns the network being trained.
     *
     * @return the network
     */
    public SparseNetwork network() {
        return net;
    }

    @Override
    public void write(DataOutputStream out) throws IOException {
        out.writeLong(updates);
        out.writeBoolean(optimizerStarted);
        CsrFormat.writeLayers(out, net.layers());
        out.writeInt(growState.size());
        for (Map.Entry<String, float[]> e : growState.entrySet()) {
            out.writeUTF(e.getKey());
            CsrFormat.writeFloats(out, e.getValue());
        }
        net.writeOthers(out);
        changeLog.save(out);
    }

    @Override
    public void read(DataInputStream in) throws IOException {
        updates = in.readLong();
        optimizerStarted = in.readBoolean();
        List<LayerSpec> prunable = prunable(specs);
        List<CsrLayer> layers = CsrFormat.readLayers(in, prunable);
        net =
                isRecurrent(specs)
                        ? SparseGru.of(layers, pool)
                        : isConvolutional(specs)
                                ? SparseCnn.of(config, train, layers, pool)
                                : new SparseMlp(layers, pool);
        int n = in.readInt();
        if (n < 0 || n > specs.size()) {
            throw new IOException(
                    "growth state for " + n + " layers; the model has " + specs.size());
        }
        growState = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            LayerSpec l =
                    specs.stream()
                            .filter(s -> s.name().equals(name))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new IOException(
                                                    "growth state for unknown layer " + name));
            growState.put(
                    name,
                    CsrFormat.readFloats(
                            in,
                            l.weightCount() * Math.max(1, grow == null ? 1 : grow.stateFloats())));
        }
        net.readOthers(in);
        changeLog.load(in);
    }

    /** Reads the network of an MLP's CSR checkpoint section (export and evaluation). */
    static SparseMlp readNetwork(DataInputStream in, List<LayerSpec> specs, WorkerPool pool)
            throws IOException {
        in.readLong();
        in.readBoolean();
        return new SparseMlp(CsrFormat.readLayers(in, specs), pool);
    }

    /** Whether a model has layers beyond fully-connected ones (and so runs as a CNN). */
    static boolean isConvolutional(List<LayerSpec> specs) {
        return !isRecurrent(specs) && specs.stream().anyMatch(l -> l.kind() != LayerKind.LINEAR);
    }

    /** Whether a model is a recurrent language model (it starts with an embedding). */
    static boolean isRecurrent(List<LayerSpec> specs) {
        return specs.stream().anyMatch(l -> l.kind() == LayerKind.EMBEDDING);
    }

    /** The prunable layers of a model, in model order. */
    static List<LayerSpec> prunable(List<LayerSpec> specs) {
        return specs.stream().filter(l -> l.kind().isPrunable()).toList();
    }

    @Override
    public void begin() {
        if (grow != null && grow.stateFloats() > 0 && growState.isEmpty()) {
            for (CsrLayer l : net.layers()) {
                growState.put(
                        l.name(),
                        new float
                                [Math.multiplyExact(
                                        Math.multiplyExact(l.rows(), l.cols()),
                                        grow.stateFloats())]);
            }
        }
    }

    @Override
    public StepResult step(long step, int epoch, int index, BatchSource.Batch batch, double lr) {
        if (index == 0) {
            net.resetState();
        }
        SparseMlp.BatchResult r = net.train(batch, config.labelSmoothing);
        if (!Double.isFinite(r.loss())) {
            return new StepResult(r.loss(), 0, false); // the trainer stops the run
        }
        boolean update = grow != null && drops.isUpdateStep(step);
        GrowCriterion.GradientUse use =
                grow == null ? GrowCriterion.GradientUse.NONE : grow.gradientUse();
        boolean denseGradient =
                use == GrowCriterion.GradientUse.EVERY_STEP
                        || (update && use == GrowCriterion.GradientUse.ON_UPDATE);
        if (use == GrowCriterion.GradientUse.EVERY_STEP) {
            accumulateState(net, grow, growState, device);
        }
        if (update && skipUpdateStep) {
            updates += rewireAll(drops.dropFraction(step), step);
        } else {
            if (config.clipNorm > 0) {
                clipGradients(config.clipNorm);
            }
            for (CsrLayer l : net.layers()) {
                l.sgdStep(
                        lr,
                        config.momentum,
                        config.nesterov,
                        config.weightDecay,
                        !optimizerStarted,
                        pool);
            }
            net.sgdStepOthers(
                    lr, config.momentum, config.nesterov, config.weightDecay, !optimizerStarted);
            optimizerStarted = true;
            if (update) {
                updates += rewireAll(drops.dropFraction(step), step);
            }
        }
        return new StepResult(r.loss(), r.correct(), denseGradient);
    }

    @Override
    public Evaluation evaluate(BatchSource source) {
        return net.evaluate(source);
    }

    /**
     * Scales every gradient by {@code max / norm} when their global L2 norm exceeds {@code max}, as
     * the engine path clips: over the stored weights' gradients (the engine's are masked to them),
     * the biases' and the other parameters'.
     */
    private void clipGradients(double max) {
        double sq = net.otherGradientSquares();
        for (CsrLayer l : net.layers()) {
            for (float g : l.grad()) {
                sq += (double) g * g;
            }
            for (float g : l.biasGrad()) {
                sq += (double) g * g;
            }
        }
        double norm = Math.sqrt(sq);
        if (norm > max) {
            float scale = (float) (max / norm);
            for (CsrLayer l : net.layers()) {
                scaleInPlace(l.grad(), scale);
                scaleInPlace(l.biasGrad(), scale);
            }
            net.scaleOtherGradients(scale);
        }
    }

    private static void scaleInPlace(float[] v, float scale) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= scale;
        }
    }

    @Override
    public List<LayerSpec> layers() {
        return specs;
    }

    @Override
    public LayerDensities densities() {
        Map<String, Double> d = new LinkedHashMap<>();
        for (CsrLayer l : net.layers()) {
            d.put(l.name(), (double) l.nnz() / ((double) l.rows() * l.cols()));
        }
        return new LayerDensities(d);
    }

    @Override
    public long parameterCount() {
        long params = 0;
        for (LayerSpec l : specs) {
            params += l.parameterCount();
        }
        return params;
    }

    @Override
    public double sparsity() {
        long size = 0;
        long stored = 0;
        for (CsrLayer l : net.layers()) {
            size += (long) l.rows() * l.cols();
            stored += l.nnz();
        }
        return size == 0 ? 0 : 1 - (double) stored / size;
    }

    @Override
    public void epochEnd(int epoch, EpochMetrics metrics, Map<String, Object> extra) {
        lastEpoch = metrics;
        extra.put("exec", CsrBackend.NAME);
        extra.put("samples_per_s", samplesPerSecond(metrics));
        if (grow != null) {
            extra.put("mask_updates", updates);
            changeLog.drainTo(extra);
        }
    }

    @Override
    public String progressLabel() {
        if (!config.exec.equalsIgnoreCase("auto")) {
            return ", sparse path";
        }
        ExecProbe.Measurement m =
                isConvolutional(specs) && ExecProbe.measuring()
                        ? ExecProbe.standard().recall(config, specs)
                        : null;
        return m != null
                ? String.format(
                        java.util.Locale.ROOT,
                        ", sparse path: auto, measured %.2fx the masked-dense engine",
                        m.speedup())
                : String.format(
                        java.util.Locale.ROOT,
                        ", sparse path: auto, sparsity >= %.2f",
                        ExecutionPath.minimumSparsity(specs));
    }

    @Override
    public boolean stopRequested() {
        return false;
    }

    @Override
    public void end(Map<String, Object> extra) {
        extra.put("exec", CsrBackend.NAME);
        if (config.exec.equalsIgnoreCase("auto")) {
            extra.put("exec_reason", ExecutionPath.autoReason(config, specs));
        }
        extra.put("threads", pool.threads());
        if (lastEpoch != null) {
            extra.put("samples_per_s", samplesPerSecond(lastEpoch));
        }
        if (method.sparse()) {
            extra.put("layer_densities", densities().byLayer());
            extra.put(
                    "target_layer_densities",
                    allocation(config, prunable(specs)).densities().byLayer());
            extra.put("distribution", config.distribution);
            extra.put("mask_updates", updates);
        }
    }

    private double samplesPerSecond(EpochMetrics m) {
        long perEpoch =
                config.maxStepsPerEpoch > 0
                        ? Math.min((long) config.maxStepsPerEpoch * config.batchSize, trainSize)
                        : trainSize;
        return perEpoch / Math.max(m.epochSeconds(), 1e-9);
    }

    @Override
    public String device() {
        return device.toString();
    }

    @Override
    public void close() {
        pool.close();
    }

    /** The network specs of a config, on this data. */
    static List<LayerSpec> specs(TrainConfig config, DataSplits data) {
        var s = data.train();
        return dev.sprig.models.ModelZoo.specs(
                config.model, s.channels(), s.height(), s.classes(), config.widthMultiplier);
    }

    /**
     * Builds the network the run starts from: weights and masks from the seed.
     *
     * @param config run configuration
     * @param specs linear layers in order
     * @param pool workers
     * @return the network
     */
    public static SparseMlp initialNetwork(
            TrainConfig config, List<LayerSpec> specs, WorkerPool pool) {
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
                boolean[] mask = initialMask(seeds, i, (int) size, keep);
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
        if (!((UpdaterMethod) Methods.get(config.method)).sparse()) {
            Map<String, Long> n = new LinkedHashMap<>();
            for (LayerSpec l : specs) {
                n.put(l.name(), l.weightCount());
            }
            return new LayerAllocation(n, n);
        }
        return SparsityOptions.from(config).distribution().allocate(specs, config.sparsity);
    }

    /**
     * The mask a layer starts with, as the engine path's static updater draws it: all weights when
     * the layer keeps all, else {@code keep} uniformly random ones from (seed, "mask-init", layer).
     */
    static boolean[] initialMask(SeedStream seeds, int layer, int size, long keep) {
        if (keep < size) {
            return SparseUpdater.uniformMask(seeds.derive("mask-init", layer), size, keep);
        }
        boolean[] m = new boolean[size];
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
     * Draws {@code keep} distinct positions of {@code [0, size)} uniformly, sorted, without a dense
     * array: draw, sort, drop duplicates, redraw the shortfall.
     */
    static long[] samplePositions(SplittableRandom r, long size, long keep) {
        if (keep > Integer.MAX_VALUE - 8) {
            throw new SprigException(
                    "a layer cannot store more than 2^31 weights on the sparse path");
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

    /**
     * Folds every layer's dense gradient into the criterion's state (SNFS's moving average), block
     * by block.
     */
    private static void accumulateState(
            SparseNetwork net, GrowCriterion grow, Map<String, float[]> state, Device device) {
        for (int i = 0; i < net.layers().size(); i++) {
            CsrLayer l = net.layers().get(i);
            float[] s = state.get(l.name());
            try (WeightGradient g = net.denseGradient(i, device)) {
                int blockRows = Math.max(1, Math.min(l.rows(), Rewiring.BLOCK_FLOATS / l.cols()));
                for (int from = 0; from < l.rows(); from += blockRows) {
                    int to = Math.min(l.rows(), from + blockRows);
                    grow.accumulate(s, from * l.cols(), g.rows(from, to));
                }
            }
        }
    }

    private int rewireAll(double fraction, long step) {
        Map<String, float[]> state = growState;
        boolean randomInit = options.growInit() == DynamicSparseOptions.GrowInit.RANDOM_NORMAL;
        long moved = 0;
        long active = 0;
        for (int i = 0; i < net.layers().size(); i++) {
            CsrLayer l = net.layers().get(i);
            long size = (long) l.rows() * l.cols();
            active += l.nnz();
            int nDrop = (int) Math.floor(l.nnz() * fraction);
            if (nDrop == 0 || l.nnz() == size) {
                continue; // dense layers (ERK may make some) stay dense
            }
            SplittableRandom init = randomInit ? seeds.derive("grow-init", step, i) : null;
            // RigL's criterion reads the dense gradient of this batch, a block of rows at a time.
            WeightGradient gradient = null;
            if (grow.gradientUse() == GrowCriterion.GradientUse.ON_UPDATE) {
                gradient = net.denseGradient(i, device);
            }
            try {
                GrowCriterion.RowScores scores =
                        grow.scores(
                                new GrowCriterion.Input(
                                        i,
                                        l.rows(),
                                        l.cols(),
                                        step,
                                        seeds,
                                        gradient == null ? null : gradient::rows,
                                        state.get(l.name())));
                moved +=
                        Rewiring.rewire(l, nDrop, drop, scores, options.reinitWhenSame(), init)
                                .moved();
            } finally {
                if (gradient != null) {
                    gradient.close();
                }
            }
        }
        changeLog.record(step, moved, active);
        return 1;
    }
}
