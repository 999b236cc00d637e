package dev.sprig.sparse.exec;

import ai.djl.Device;
import dev.sprig.SeedStream;
import dev.sprig.data.ImageSet;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.NetOp;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.LayerAllocation;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A convolutional network on the sparse backend, interpreted from a zoo blueprint's operations
 * ({@link NetOp}): sparse convolutions ({@link SparseConv}) and linear layers ({@link CsrLayer}),
 * batch normalisation (batch statistics in training with running statistics moved by 0.1 of them,
 * as the engine does; running statistics in evaluation), ReLU, max pooling, global average pooling,
 * flattening and residual additions, every one with its backward pass. Activations are {@code
 * [C][H][W][b]} throughout, which is also the feature-major layout the linear layers take, so a
 * flatten moves nothing.
 */
public final class SparseCnn implements SparseNetwork {
    /** One operation with its forward and backward pass; it keeps what its backward needs. */
    private interface Stage {
        float[] forward(float[] in, int b, boolean training);

        /** Returns the input gradient (null when {@code needInput} is false). */
        float[] backward(float[] dOut, int b, boolean needInput);
    }

    /** A stage with a prunable weight: it can give that weight's dense gradient. */
    private interface WeightedStage extends Stage {
        WeightGradient denseGradient(Device device);
    }

    private final List<CsrLayer> layers;
    private final Map<String, BatchNorm> norms = new LinkedHashMap<>();
    private final Map<String, WeightedStage> weighted = new LinkedHashMap<>();
    private final List<Stage> stages;
    private final WorkerPool pool;
    private final int inputSize;
    private int batch = -1;
    private int trainBatch = -1;
    private float[] x0;

    /**
     * Builds the network.
     *
     * @param ops the blueprint's operations
     * @param weights the prunable layers' weights (as CSR), by layer name
     * @param pool workers
     */
    SparseCnn(List<NetOp> ops, Map<String, CsrLayer> weights, WorkerPool pool) {
        this.pool = pool;
        LayerSpec first = firstSpec(ops);
        int[] chw = {first.inChannels(), first.inHeight(), first.inWidth()};
        this.inputSize = chw[0] * chw[1] * chw[2];
        this.stages = compile(ops, weights, chw);
        if (!weighted.keySet().equals(weights.keySet())) {
            throw new IllegalArgumentException(
                    "weights for " + weights.keySet() + ", layers " + weighted.keySet());
        }
        // The engine's order (its masks' order, which seeds and checkpoints follow).
        this.layers = List.copyOf(weights.values());
    }

    /**
     * Builds the network a run starts from: the engine's initial network for the run's seed (its
     * weights, batch-norm parameters and statistics), with the masks the engine path draws.
     *
     * @param config the run
     * @param train training images (input shape, classes)
     * @param device where the engine builds the initial network
     * @param pool workers
     * @return the network
     */
    static SparseCnn initial(TrainConfig config, ImageSet train, Device device, WorkerPool pool) {
        try (SprigModel model = Trainer.buildModel(config, train, device)) {
            List<LayerSpec> prunable = new ArrayList<>();
            for (NamedParameter p : model.prunableWeights()) {
                prunable.add(p.layer());
            }
            LayerAllocation allocation = CsrSession.allocation(config, prunable);
            SeedStream seeds = new SeedStream(config.seed);
            Map<String, NamedParameter> params = model.parameters();
            Map<String, CsrLayer> weights = new LinkedHashMap<>();
            for (int i = 0; i < prunable.size(); i++) {
                LayerSpec l = prunable.get(i);
                int size = Math.toIntExact(l.weightCount());
                long keep = allocation.keep().get(l.name());
                boolean[] mask = CsrSession.initialMask(seeds, i, size, keep);
                NamedParameter bias = params.get(l.name() + ".bias");
                int rows = l.outChannels();
                weights.put(
                        l.name(),
                        CsrLayer.fromDense(
                                l.name(),
                                rows,
                                size / rows,
                                params.get(l.name() + ".weight").array().toFloatArray(),
                                mask,
                                bias == null ? new float[rows] : bias.array().toFloatArray()));
            }
            SparseCnn net = new SparseCnn(ops(config, train), weights, pool);
            for (String n : net.norms.keySet()) {
                net.setBatchNorm(
                        n,
                        params.get(n + ".gamma").array().toFloatArray(),
                        params.get(n + ".beta").array().toFloatArray(),
                        params.get(n + ".running_mean").array().toFloatArray(),
                        params.get(n + ".running_var").array().toFloatArray());
            }
            return net;
        }
    }

    /**
     * Builds the network of a run around layers read from a checkpoint (batch norms follow from
     * {@link #readOthers}).
     *
     * @param config the run
     * @param train training images
     * @param layers the prunable layers, in model order
     * @param pool workers
     * @return the network
     */
    static SparseCnn of(
            TrainConfig config, ImageSet train, List<CsrLayer> layers, WorkerPool pool) {
        Map<String, CsrLayer> weights = new LinkedHashMap<>();
        for (CsrLayer l : layers) {
            weights.put(l.name(), l);
        }
        return new SparseCnn(ops(config, train), weights, pool);
    }

    private static List<NetOp> ops(TrainConfig config, ImageSet train) {
        return Trainer.blueprint(config, train)
                .ops(config.channelWidths == null ? Map.of() : config.channelWidths);
    }

    private static LayerSpec firstSpec(List<NetOp> ops) {
        for (NetOp op : ops) {
            if (op instanceof NetOp.Conv c) {
                return c.spec();
            }
            if (op instanceof NetOp.Linear l) {
                return l.spec();
            }
        }
        throw new IllegalArgumentException("the network has no convolution or linear layer");
    }

    /**
     * Turns operations into stages, following the activation shape {C, H, W} (updated in place) for
     * the stages whose shape no spec records.
     */
    private List<Stage> compile(List<NetOp> ops, Map<String, CsrLayer> weights, int[] chw) {
        List<Stage> out = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            NetOp op = ops.get(i);
            boolean reluNext = i + 1 < ops.size() && ops.get(i + 1) instanceof NetOp.Relu;
            if (op instanceof NetOp.BatchNorm n && reluNext) {
                out.add(batchNorm(n, true));
                i++; // the ReLU runs inside the batch norm
            } else {
                out.add(stage(op, weights, chw));
            }
        }
        return out;
    }

    private Stage stage(NetOp op, Map<String, CsrLayer> weights, int[] chw) {
        if (op instanceof NetOp.Conv c) {
            ConvStage conv =
                    new ConvStage(new SparseConv(weights.get(c.spec().name()), c.spec(), c.pad()));
            weighted.put(c.spec().name(), conv);
            set(chw, c.spec().outChannels(), c.spec().outHeight(), c.spec().outWidth());
            return conv;
        }
        if (op instanceof NetOp.Linear l) {
            LinearStage linear = new LinearStage(weights.get(l.spec().name()));
            weighted.put(l.spec().name(), linear);
            set(chw, l.spec().outChannels(), 1, 1);
            return linear;
        }
        if (op instanceof NetOp.BatchNorm n) {
            return batchNorm(n, false);
        }
        if (op instanceof NetOp.Relu) {
            return new Relu();
        }
        if (op instanceof NetOp.MaxPool m) {
            MaxPool mp = new MaxPool(m.kernel(), m.stride(), m.pad(), chw);
            set(chw, chw[0], mp.ho, mp.wo);
            return mp;
        }
        if (op instanceof NetOp.GlobalAvgPool) {
            GlobalAvgPool gap = new GlobalAvgPool(chw[1] * chw[2]);
            set(chw, chw[0], 1, 1);
            return gap;
        }
        if (op instanceof NetOp.Flatten) {
            set(chw, chw[0] * chw[1] * chw[2], 1, 1);
            return new Flatten();
        }
        if (op instanceof NetOp.Residual r) {
            int[] main = chw.clone();
            List<Stage> m = compile(r.main(), weights, main);
            List<Stage> sc = compile(r.shortcut(), weights, chw.clone());
            set(chw, main[0], main[1], main[2]);
            return new Residual(m, sc, r.reluAfter());
        }
        throw new IllegalArgumentException("the sparse backend cannot run " + op);
    }

    private BatchNorm batchNorm(NetOp.BatchNorm op, boolean relu) {
        BatchNorm bn = new BatchNorm(op.spec(), relu);
        norms.put(bn.name, bn);
        return bn;
    }

    private static void set(int[] chw, int c, int h, int w) {
        chw[0] = c;
        chw[1] = h;
        chw[2] = w;
    }

    @Override
    public List<CsrLayer> layers() {
        return layers;
    }

    @Override
    public int lastBatch() {
        return trainBatch;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs in chunks of the training batch size (the last one padded with zeros, harmless in
     * evaluation mode, where examples do not interact), so that evaluation reuses the training
     * buffers instead of allocating a second set for its larger batches.
     */
    @Override
    public float[] forward(float[] x, int b) {
        int chunk = trainBatch > 0 ? trainBatch : Math.min(b, 128);
        if (b == chunk) {
            return run(x, b, false);
        }
        float[] out = null;
        float[] part = new float[chunk * inputSize];
        for (int start = 0; start < b; start += chunk) {
            int n = Math.min(chunk, b - start);
            System.arraycopy(x, start * inputSize, part, 0, n * inputSize);
            java.util.Arrays.fill(part, n * inputSize, part.length, 0f);
            float[] logits = run(part, chunk, false);
            int classes = logits.length / chunk;
            if (out == null) {
                out = new float[classes * b];
            }
            for (int c = 0; c < classes; c++) {
                System.arraycopy(logits, c * chunk, out, c * b + start, n);
            }
        }
        return out;
    }

    private float[] run(float[] x, int b, boolean training) {
        if (x.length != (long) inputSize * b) {
            throw new IllegalArgumentException(
                    "expected " + b + " inputs of " + inputSize + " values, got " + x.length);
        }
        if (b != batch) {
            x0 = new float[inputSize * b];
            batch = b;
        }
        float[] t = x0;
        pool.each(
                inputSize,
                (from, to) -> {
                    for (int f = from; f < to; f++) {
                        for (int n = 0; n < b; n++) {
                            t[f * b + n] = x[n * inputSize + f];
                        }
                    }
                });
        float[] a = t;
        for (Stage s : stages) {
            a = s.forward(a, b, training);
        }
        return a;
    }

    @Override
    public SparseMlp.BatchResult forwardBackward(float[] x, int[] labels, double smoothing) {
        int b = labels.length;
        trainBatch = b;
        float[] out = run(x, b, true);
        float[] d = new float[out.length];
        SparseMlp.BatchResult r = SparseMlp.softmaxCrossEntropy(out, labels, smoothing, d);
        for (int i = stages.size() - 1; i >= 0; i--) {
            d = stages.get(i).backward(d, b, i > 0);
        }
        return r;
    }

    @Override
    public WeightGradient denseGradient(int i, Device device) {
        return weighted.get(layers.get(i).name()).denseGradient(device);
    }

    @Override
    public void sgdStepOthers(
            double lr, double momentum, boolean nesterov, double weightDecay, boolean first) {
        for (BatchNorm bn : norms.values()) {
            int n = bn.gamma.length;
            CsrLayer.sgd(
                    bn.gamma,
                    bn.dGamma,
                    bn.vGamma,
                    0,
                    n,
                    lr,
                    momentum,
                    nesterov,
                    weightDecay,
                    first);
            CsrLayer.sgd(
                    bn.beta, bn.dBeta, bn.vBeta, 0, n, lr, momentum, nesterov, weightDecay, first);
        }
    }

    /**
     * A batch norm's checkpointed state, in the order {@link #writeOthers} writes it.
     *
     * @param gamma scale
     * @param beta shift
     * @param gammaMomentum the optimiser's momentum of the scale
     * @param betaMomentum the optimiser's momentum of the shift
     * @param runningMean running mean
     * @param runningVar running variance
     */
    record BatchNormState(
            float[] gamma,
            float[] beta,
            float[] gammaMomentum,
            float[] betaMomentum,
            float[] runningMean,
            float[] runningVar) {
        float[][] arrays() {
            return new float[][] {
                gamma, beta, gammaMomentum, betaMomentum, runningMean, runningVar
            };
        }
    }

    @Override
    public void writeOthers(DataOutputStream out) throws IOException {
        out.writeInt(norms.size());
        for (BatchNorm bn : norms.values()) {
            out.writeUTF(bn.name);
            for (float[] a : bn.state().arrays()) {
                CsrFormat.writeFloats(out, a);
            }
        }
    }

    /**
     * Reads the batch norms {@link #writeOthers} wrote (export and evaluation read them into the
     * engine's model without building the network).
     *
     * @param in the checkpoint section, just past the growth state
     * @return state by layer name, in model order
     * @throws IOException on read failure
     */
    static Map<String, BatchNormState> readBatchNorms(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("a negative number of batch norms");
        }
        Map<String, BatchNormState> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            float[][] a = new float[6][];
            for (int k = 0; k < a.length; k++) {
                a[k] = CsrFormat.readFloats(in, Integer.MAX_VALUE - 8);
            }
            out.put(name, new BatchNormState(a[0], a[1], a[2], a[3], a[4], a[5]));
        }
        return out;
    }

    @Override
    public void readOthers(DataInputStream in) throws IOException {
        Map<String, BatchNormState> read = readBatchNorms(in);
        if (!List.copyOf(read.keySet()).equals(List.copyOf(norms.keySet()))) {
            throw new IOException(
                    "checkpoint has batch norms "
                            + read.keySet()
                            + "; the model has "
                            + norms.keySet());
        }
        for (BatchNorm bn : norms.values()) {
            float[][] to = bn.state().arrays();
            float[][] from = read.get(bn.name).arrays();
            for (int k = 0; k < to.length; k++) {
                if (from[k].length != to[k].length) {
                    throw new IOException(bn.name + " has " + to[k].length + " channels");
                }
                System.arraycopy(from[k], 0, to[k], 0, to[k].length);
            }
        }
    }

    private BatchNorm norm(String name) {
        BatchNorm bn = norms.get(name);
        if (bn == null) {
            throw new IllegalArgumentException("no batch norm " + name);
        }
        return bn;
    }

    /**
     * Sets a batch norm's parameters and statistics (to start from the engine's initial network).
     *
     * @param name the layer name
     * @param gamma scale
     * @param beta shift
     * @param mean running mean
     * @param var running variance
     */
    void setBatchNorm(String name, float[] gamma, float[] beta, float[] mean, float[] var) {
        BatchNorm bn = norm(name);
        System.arraycopy(gamma, 0, bn.gamma, 0, gamma.length);
        System.arraycopy(beta, 0, bn.beta, 0, beta.length);
        System.arraycopy(mean, 0, bn.runMean, 0, mean.length);
        System.arraycopy(var, 0, bn.runVar, 0, var.length);
    }

    /**
     * Returns a batch norm's {gamma, beta, running mean, running variance} (live arrays).
     *
     * @param name the layer name
     * @return the four arrays
     */
    float[][] batchNorm(String name) {
        BatchNorm bn = norm(name);
        return new float[][] {bn.gamma, bn.beta, bn.runMean, bn.runVar};
    }

    /**
     * Returns a batch norm's gradients {gamma, beta} from the last backward pass (live arrays).
     *
     * @param name the layer name
     * @return the two arrays
     */
    float[][] batchNormGradients(String name) {
        BatchNorm bn = norm(name);
        return new float[][] {bn.dGamma, bn.dBeta};
    }

    private final class ConvStage implements WeightedStage {
        private final SparseConv conv;

        ConvStage(SparseConv conv) {
            this.conv = conv;
        }

        @Override
        public float[] forward(float[] in, int b, boolean training) {
            return conv.forward(in, b, pool);
        }

        @Override
        public float[] backward(float[] dOut, int b, boolean needInput) {
            return conv.backward(dOut, b, needInput, pool);
        }

        @Override
        public WeightGradient denseGradient(Device device) {
            float[] all = conv.denseGradient(device);
            CsrLayer l = conv.layer();
            return new WeightGradient() {
                @Override
                public float[] rows(int from, int to) {
                    return from == 0 && to == l.rows()
                            ? all
                            : Arrays.copyOfRange(all, from * l.cols(), to * l.cols());
                }

                @Override
                public void close() {}
            };
        }
    }

    private final class LinearStage implements WeightedStage {
        private final CsrLayer layer;
        private float[] input;
        private float[] out;
        private float[] dOut;
        private float[] dIn;

        LinearStage(CsrLayer layer) {
            this.layer = layer;
        }

        @Override
        public float[] forward(float[] in, int b, boolean training) {
            if (out == null || out.length != layer.rows() * b) {
                out = new float[layer.rows() * b];
                dIn = new float[layer.cols() * b];
            }
            input = in;
            layer.forward(in, out, b, pool);
            return out;
        }

        @Override
        public float[] backward(float[] d, int b, boolean needInput) {
            dOut = d;
            layer.backward(d, input, needInput ? dIn : null, b, pool);
            return needInput ? dIn : null;
        }

        @Override
        public WeightGradient denseGradient(Device device) {
            return new DenseGradient(device, input, dOut, layer.cols(), trainBatch);
        }
    }

    private static final int BLOCK = 512;

    /**
     * Mean and (biased) variance of a channel into {@code moments}, reading it from memory once:
     * deviations from a shift (the first block's mean, close enough to the channel's that the
     * squares do not cancel) are summed with their squares in float over blocks of {@value #BLOCK}
     * and the blocks added in double, so batch statistics stay as precise as the engine's two-pass
     * ones (masks decided by magnitude depend on them).
     *
     * @param sums scratch of two floats
     */
    static void channelMoments(float[] x, int off, int n, float[] sums, double[] moments) {
        int first = Math.min(BLOCK, n);
        Kernels.deviationSums(x, off, first, 0f, sums);
        float shift = sums[0] / first;
        double s1 = 0;
        double s2 = 0;
        for (int from = 0; from < n; from += BLOCK) {
            Kernels.deviationSums(x, off + from, Math.min(BLOCK, n - from), shift, sums);
            s1 += sums[0];
            s2 += sums[1];
        }
        double d = s1 / n;
        moments[0] = shift + d;
        moments[1] = Math.max(0, s2 / n - d * d);
    }

    /**
     * Batch normalisation over the channels of {@code [C][H][W][b]} (ε 1e-5, momentum 0.1), with
     * the ReLU that follows it fused in when {@code relu}: the activations are far larger than the
     * caches, so each pass over them costs memory traffic, and the fused stage makes three in the
     * forward pass (statistics, then normalise and clamp) and two in the backward pass instead of
     * seven and six.
     */
    private final class BatchNorm implements Stage {
        static final double EPS = 1e-5;
        static final double MOMENTUM = 0.1;
        final String name;
        final int channels;
        final int plane;
        final boolean relu;
        final float[] gamma;
        final float[] beta;
        final float[] dGamma;
        final float[] dBeta;
        final float[] vGamma;
        final float[] vBeta;
        final float[] runMean;
        final float[] runVar;
        private final float[] mean;
        private final float[] invStd;
        private float[] in;
        private float[] out;
        private float[] dIn;

        BatchNorm(LayerSpec spec, boolean relu) {
            this.name = spec.name();
            this.channels = spec.outChannels();
            this.plane = spec.inHeight() * spec.inWidth();
            this.relu = relu;
            gamma = new float[channels];
            Arrays.fill(gamma, 1f);
            beta = new float[channels];
            dGamma = new float[channels];
            dBeta = new float[channels];
            vGamma = new float[channels];
            vBeta = new float[channels];
            runMean = new float[channels];
            runVar = new float[channels];
            Arrays.fill(runVar, 1f);
            mean = new float[channels];
            invStd = new float[channels];
        }

        BatchNormState state() {
            return new BatchNormState(gamma, beta, vGamma, vBeta, runMean, runVar);
        }

        /**
         * Keeps {@code in} for the backward pass, which recomputes the normalised input from it: a
         * stage's output buffer is written only by that stage's next forward pass.
         */
        @Override
        public float[] forward(float[] in, int b, boolean training) {
            int n = plane * b;
            if (out == null || out.length != channels * n) {
                out = new float[channels * n];
                dIn = new float[channels * n];
            }
            this.in = in;
            pool.each(
                    channels,
                    (from, to) -> {
                        float[] sums = new float[2];
                        double[] moments = new double[2];
                        for (int ch = from; ch < to; ch++) {
                            int base = ch * n;
                            double mu;
                            double var;
                            if (training) {
                                channelMoments(in, base, n, sums, moments);
                                mu = moments[0];
                                var = moments[1];
                                runMean[ch] =
                                        (float) ((1 - MOMENTUM) * runMean[ch] + MOMENTUM * mu);
                                double unbiased = n > 1 ? var * n / (n - 1) : var;
                                runVar[ch] =
                                        (float) ((1 - MOMENTUM) * runVar[ch] + MOMENTUM * unbiased);
                            } else {
                                mu = runMean[ch];
                                var = runVar[ch];
                            }
                            float inv = (float) (1 / Math.sqrt(var + EPS));
                            mean[ch] = (float) mu;
                            invStd[ch] = inv;
                            Kernels.normalize(
                                    in, base, n, (float) mu, inv, gamma[ch], beta[ch], relu, out);
                        }
                    });
            return out;
        }

        @Override
        public float[] backward(float[] d, int b, boolean needInput) {
            int n = plane * b;
            float[] x = in;
            float[] y = relu ? out : null;
            pool.each(
                    channels,
                    (from, to) -> {
                        float[] sums = new float[2];
                        for (int ch = from; ch < to; ch++) {
                            int base = ch * n;
                            double sgd = 0;
                            double sgxd = 0;
                            for (int at = 0; at < n; at += BLOCK) {
                                int len = Math.min(BLOCK, n - at);
                                Kernels.normGradientSums(d, y, x, base + at, len, mean[ch], sums);
                                sgd += sums[0];
                                sgxd += sums[1];
                            }
                            float inv = invStd[ch];
                            float sb = (float) sgd;
                            float sg = (float) (sgxd * inv); // Σ g·xhat
                            dGamma[ch] = sg;
                            dBeta[ch] = sb;
                            if (needInput) {
                                // dIn = γ·inv/n · (n·g − Σg − xhat·Σ(g·xhat))
                                float scale = gamma[ch] * inv / n;
                                Kernels.normInputGradient(
                                        d,
                                        y,
                                        x,
                                        base,
                                        n,
                                        mean[ch],
                                        inv,
                                        scale * n,
                                        -scale * sg,
                                        -scale * sb,
                                        dIn);
                            }
                        }
                    });
            return needInput ? dIn : null;
        }
    }

    private final class Relu implements Stage {
        private float[] out;
        private float[] dIn;

        @Override
        public float[] forward(float[] in, int b, boolean training) {
            if (out == null || out.length != in.length) {
                out = new float[in.length];
                dIn = new float[in.length];
            }
            float[] y = out;
            pool.each(
                    in.length,
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = Math.max(in[i], 0f);
                        }
                    });
            return out;
        }

        @Override
        public float[] backward(float[] d, int b, boolean needInput) {
            float[] y = out;
            float[] g = dIn;
            pool.each(d.length, (from, to) -> Kernels.reluBackward(y, d, g, from, to));
            return dIn;
        }
    }

    /** Max pooling; ties go to the first position in window order, as in the engine. */
    private final class MaxPool implements Stage {
        private final int kernel;
        private final int stride;
        private final int pad;
        private final int channels;
        private final int h;
        private final int w;
        final int ho;
        final int wo;
        private int[] arg;
        private float[] out;
        private float[] dIn;

        MaxPool(int kernel, int stride, int pad, int[] chw) {
            this.kernel = kernel;
            this.stride = stride;
            this.pad = pad;
            this.channels = chw[0];
            this.h = chw[1];
            this.w = chw[2];
            this.ho = (h + 2 * pad - kernel) / stride + 1;
            this.wo = (w + 2 * pad - kernel) / stride + 1;
        }

        @Override
        public float[] forward(float[] in, int b, boolean training) {
            if (out == null || dIn.length != in.length) {
                out = new float[channels * ho * wo * b];
                arg = new int[out.length];
                dIn = new float[in.length];
            }
            pool.each(
                    channels,
                    (from, to) -> {
                        for (int ch = from; ch < to; ch++) {
                            for (int y = 0; y < ho; y++) {
                                for (int x = 0; x < wo; x++) {
                                    int o = ((ch * ho + y) * wo + x) * b;
                                    for (int n = 0; n < b; n++) {
                                        float best = Float.NEGATIVE_INFINITY;
                                        int at = -1;
                                        for (int ky = 0; ky < kernel; ky++) {
                                            int yi = y * stride + ky - pad;
                                            if (yi < 0 || yi >= h) {
                                                continue;
                                            }
                                            for (int kx = 0; kx < kernel; kx++) {
                                                int xi = x * stride + kx - pad;
                                                if (xi < 0 || xi >= w) {
                                                    continue;
                                                }
                                                int i = ((ch * h + yi) * w + xi) * b + n;
                                                if (in[i] > best || at < 0) {
                                                    best = in[i];
                                                    at = i;
                                                }
                                            }
                                        }
                                        out[o + n] = best;
                                        arg[o + n] = at;
                                    }
                                }
                            }
                        }
                    });
            return out;
        }

        @Override
        public float[] backward(float[] d, int b, boolean needInput) {
            Arrays.fill(dIn, 0f);
            // Windows overlap only within a channel: one channel per task keeps this race-free.
            int per = ho * wo * b;
            pool.each(
                    channels,
                    (from, to) -> {
                        for (int i = from * per; i < to * per; i++) {
                            dIn[arg[i]] += d[i];
                        }
                    });
            return dIn;
        }
    }

    private final class GlobalAvgPool implements Stage {
        private final int plane;
        private float[] out;
        private float[] dIn;

        GlobalAvgPool(int plane) {
            this.plane = plane;
        }

        @Override
        public float[] forward(float[] in, int b, boolean training) {
            int channels = in.length / (plane * b);
            if (out == null || out.length != channels * b) {
                out = new float[channels * b];
                dIn = new float[in.length];
            }
            pool.each(
                    channels,
                    (from, to) -> {
                        for (int ch = from; ch < to; ch++) {
                            for (int n = 0; n < b; n++) {
                                float sum = 0;
                                for (int i = 0; i < plane; i++) {
                                    sum += in[(ch * plane + i) * b + n];
                                }
                                out[ch * b + n] = sum / plane;
                            }
                        }
                    });
            return out;
        }

        @Override
        public float[] backward(float[] d, int b, boolean needInput) {
            int channels = out.length / b;
            pool.each(
                    channels,
                    (from, to) -> {
                        for (int ch = from; ch < to; ch++) {
                            for (int i = 0; i < plane; i++) {
                                for (int n = 0; n < b; n++) {
                                    dIn[(ch * plane + i) * b + n] = d[ch * b + n] / plane;
                                }
                            }
                        }
                    });
            return dIn;
        }
    }

    private static final class Flatten implements Stage {
        @Override
        public float[] forward(float[] in, int b, boolean training) {
            return in;
        }

        @Override
        public float[] backward(float[] d, int b, boolean needInput) {
            return d;
        }
    }

    private final class Residual implements Stage {
        private final List<Stage> main;
        private final List<Stage> shortcut;
        private final boolean reluAfter;
        private float[] out;
        private float[] dSum;
        private float[] dIn;

        Residual(List<Stage> main, List<Stage> shortcut, boolean reluAfter) {
            this.main = main;
            this.shortcut = shortcut;
            this.reluAfter = reluAfter;
        }

        @Override
        public float[] forward(float[] in, int b, boolean training) {
            float[] a = in;
            for (Stage s : main) {
                a = s.forward(a, b, training);
            }
            float[] c = in;
            for (Stage s : shortcut) {
                c = s.forward(c, b, training);
            }
            if (out == null || out.length != a.length) {
                out = new float[a.length];
                dSum = new float[a.length];
                dIn = new float[in.length];
            }
            float[] m = a;
            float[] sc = c;
            pool.each(
                    out.length,
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            float v = m[i] + sc[i];
                            out[i] = reluAfter ? Math.max(v, 0f) : v;
                        }
                    });
            return out;
        }

        @Override
        public float[] backward(float[] d, int b, boolean needInput) {
            float[] g = d;
            if (reluAfter) {
                pool.each(d.length, (from, to) -> Kernels.reluBackward(out, d, dSum, from, to));
                g = dSum;
            }
            float[] dm = g;
            for (int i = main.size() - 1; i >= 0; i--) {
                dm = main.get(i).backward(dm, b, true);
            }
            float[] ds = g;
            for (int i = shortcut.size() - 1; i >= 0; i--) {
                ds = shortcut.get(i).backward(ds, b, true);
            }
            float[] x = dm;
            float[] y = ds;
            pool.each(
                    dIn.length,
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dIn[i] = x[i] + y[i];
                        }
                    });
            return dIn;
        }
    }
}
