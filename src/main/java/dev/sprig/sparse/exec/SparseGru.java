package dev.sprig.sparse.exec;

import ai.djl.Device;
import dev.sprig.SeedStream;
import dev.sprig.data.BatchSource;
import dev.sprig.data.ImageSet;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.RecurrentLm;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.LayerAllocation;
import dev.sprig.train.Evaluation;
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
 * A GRU language model ({@link RecurrentLm}, cell GRU) on the sparse backend: the embedding is a
 * dense table, every layer's input and recurrent matrices and the output projection are {@link
 * CsrLayer}s, and a training step is truncated backpropagation through one window, as on the engine
 * path ({@code TruncatedBptt}): the state carries across the batches of an epoch and starts from
 * zeros at its first batch.
 *
 * <p>The cell is PyTorch's (and so the engine's): gates stacked r, z, n in both matrices, \( r =
 * σ(W_{ir}x + b_{ir} + W_{hr}h + b_{hr}) \), \( z \) likewise, \( n = \tanh(W_{in}x + b_{in} + r ⊙
 * (W_{hn}h + b_{hn})) \), \( h' = (1 − z) ⊙ n + z ⊙ h \).
 *
 * <p>Where the time goes decides the layout. A layer's input products do not depend on the state,
 * so they run for the whole window at once, as one product over {@code steps × streams} columns,
 * and so do the output projection and every weight gradient (the sums over time are sums over
 * columns). Only the recurrent products run step by step, on groups of streams ({@link
 * #STREAM_GROUP}). Activations are feature-major, {@code features × (steps · streams)}, with the
 * columns ordered by stream group, then time step, then stream ({@link #column}): one group's step
 * is a contiguous run of values in every feature row and its next step the run after it, so the
 * step-by-step part walks through memory in order.
 */
public final class SparseGru implements SparseNetwork {
    private final List<CsrLayer> layers;
    private final WorkerPool pool;
    private final int vocabulary;
    private final int width;
    private final int depth;
    private final float[] embedding;
    private final float[] embeddingGrad;
    private final float[] embeddingVelocity;

    /** Carried state per layer, {@code width × streams}; null until the first window. */
    private float[][] state;

    // Buffers of the last window (their size follows steps × streams).
    private int steps = -1;
    private int streams = -1;
    private float[][] inputs; // per layer: its input, features × cols
    private float[][] inputGates; // W_i x + b_i, then its gradient
    private float[][] recurrentGateGrad; // gradient at W_h h + b_h, gates × cols
    private float[][] recurrentCandidate; // W_hn h + b_hn per column (the n gate's recurrent part)
    private float[][] previous; // h_{t−1} per column
    private float[][] resetGate;
    private float[][] updateGate;
    private float[][] candidate;
    private float[][] outputs; // h_t per column
    private float[] logits;
    private float[] logitGrad;

    /** Gradients at a layer's output and input, {@code width × cols}, swapped layer by layer. */
    private float[][] hiddenGrad;

    private int[] targets;
    private int[] tokens;

    /**
     * Creates the network.
     *
     * @param layers per recurrent layer its input then its recurrent matrix, then the projection
     * @param embedding the {@code vocabulary × width} table, row-major (kept, not copied)
     * @param pool workers
     */
    SparseGru(List<CsrLayer> layers, float[] embedding, WorkerPool pool) {
        if (layers.size() < 3 || layers.size() % 2 != 1) {
            throw new IllegalArgumentException(
                    "a GRU network has two matrices per layer and a projection, got "
                            + layers.size()
                            + " layers");
        }
        this.layers = List.copyOf(layers);
        this.pool = pool;
        this.depth = (layers.size() - 1) / 2;
        CsrLayer head = layers.get(layers.size() - 1);
        this.vocabulary = head.rows();
        this.width = head.cols();
        for (int k = 0; k < depth; k++) {
            CsrLayer in = layers.get(2 * k);
            CsrLayer rec = layers.get(2 * k + 1);
            if (in.rows() != 3 * width
                    || in.cols() != width
                    || rec.rows() != 3 * width
                    || rec.cols() != width) {
                throw new IllegalArgumentException(
                        "layer "
                                + (k + 1)
                                + " does not fit a GRU of width "
                                + width
                                + " (three gates per matrix)");
            }
        }
        if (embedding.length != vocabulary * width) {
            throw new IllegalArgumentException(
                    "embedding of " + embedding.length + " values for " + vocabulary + "x" + width);
        }
        this.embedding = embedding;
        this.embeddingGrad = new float[embedding.length];
        this.embeddingVelocity = new float[embedding.length];
    }

    @Override
    public List<CsrLayer> layers() {
        return layers;
    }

    /**
     * @return the embedding table (live)
     */
    float[] embedding() {
        return embedding;
    }

    /**
     * @return the embedding's gradient from the last backward pass (live)
     */
    float[] embeddingGradient() {
        return embeddingGrad;
    }

    /**
     * @return the carried state per layer ({@code width × streams}), or null at an epoch's start
     */
    float[][] state() {
        return state;
    }

    private void ensureBuffers(int t, int b) {
        if (t == steps && b == streams) {
            return;
        }
        int cols = t * b;
        inputs = new float[depth][];
        inputGates = new float[depth][];
        recurrentGateGrad = new float[depth][];
        recurrentCandidate = new float[depth][];
        previous = new float[depth][];
        resetGate = new float[depth][];
        updateGate = new float[depth][];
        candidate = new float[depth][];
        outputs = new float[depth][];
        for (int k = 0; k < depth; k++) {
            inputs[k] = new float[layers.get(2 * k).cols() * cols];
            inputGates[k] = new float[3 * width * cols];
            recurrentGateGrad[k] = new float[3 * width * cols];
            recurrentCandidate[k] = new float[width * cols];
            previous[k] = new float[width * cols];
            resetGate[k] = new float[width * cols];
            updateGate[k] = new float[width * cols];
            candidate[k] = new float[width * cols];
            outputs[k] = new float[width * cols];
        }
        logits = new float[vocabulary * cols];
        logitGrad = new float[vocabulary * cols];
        hiddenGrad = new float[][] {new float[width * cols], new float[width * cols]};
        targets = new int[cols];
        steps = t;
        streams = b;
    }

    /**
     * Reads a batch of windows ({@code streams × (steps + 1)} token ids) into the first layer's
     * input (embedding rows) and the targets (each next token).
     */
    private void load(float[] windows, int b) {
        int t = windows.length / b - 1;
        if (t < 1 || windows.length != b * (t + 1)) {
            throw new IllegalArgumentException(
                    "windows of " + windows.length + " tokens do not split into " + b + " streams");
        }
        ensureBuffers(t, b);
        int cols = t * b;
        int[] ids = new int[cols];
        for (int s = 0; s < b; s++) {
            for (int step = 0; step < t; step++) {
                int col = column(step, s, t, b);
                ids[col] = token(windows[s * (t + 1) + step]);
                targets[col] = token(windows[s * (t + 1) + step + 1]);
            }
        }
        float[] x = inputs[0];
        pool.each(
                width,
                (from, to) -> {
                    for (int f = from; f < to; f++) {
                        for (int c = 0; c < cols; c++) {
                            x[f * cols + c] = embedding[ids[c] * width + f];
                        }
                    }
                });
        this.tokens = ids;
    }

    private int token(float v) {
        int id = (int) v;
        if (id < 0 || id >= vocabulary || id != v) {
            throw new IllegalArgumentException(
                    "token " + v + " outside the vocabulary of " + vocabulary);
        }
        return id;
    }

    /**
     * Streams per group of the step-by-step part. Streams are independent through time, so each
     * group runs all the window's steps on one worker with no synchronisation per step (a parallel
     * product per step costs more in hand-offs than a 768x256 product over 64 streams takes), and
     * fixed groups of a SIMD-friendly width keep every value's arithmetic, and so the results, the
     * same whatever the thread count.
     */
    static final int STREAM_GROUP = 32;

    /** Runs small per-group products on the calling worker. */
    private static final WorkerPool INLINE = new WorkerPool(1);

    /**
     * The column of a stream's time step in a window's activations: groups of {@link #STREAM_GROUP}
     * streams one after the other, each holding its steps in order, each step its streams.
     *
     * @param step time step
     * @param s stream
     * @param t steps per window
     * @param b streams
     * @return the column
     */
    static int column(int step, int s, int t, int b) {
        int s0 = s / STREAM_GROUP * STREAM_GROUP;
        int nb = Math.min(STREAM_GROUP, b - s0);
        return s0 * t + step * nb + (s - s0);
    }

    private int groups() {
        return (streams + STREAM_GROUP - 1) / STREAM_GROUP;
    }

    /**
     * Runs the window from {@code from} (per layer {@code width × streams}, zeros when null) and
     * leaves every activation of the window in the buffers and the logits in {@link #logits}.
     *
     * @return each layer's state after the last step
     */
    private float[][] run(float[][] from) {
        int t = steps;
        int b = streams;
        int cols = t * b;
        float[][] last = new float[depth][];
        for (int k = 0; k < depth; k++) {
            CsrLayer in = layers.get(2 * k);
            CsrLayer rec = layers.get(2 * k + 1);
            in.forward(inputs[k], inputGates[k], cols, pool);
            float[] gi = inputGates[k];
            float[] ghN = recurrentCandidate[k];
            float[] prev = previous[k];
            float[] r = resetGate[k];
            float[] z = updateGate[k];
            float[] n = candidate[k];
            float[] out = outputs[k];
            float[] start = from == null ? null : from[k];
            float[] end = new float[width * b];
            pool.each(
                    groups(),
                    (g0, g1) -> {
                        for (int g = g0; g < g1; g++) {
                            int s0 = g * STREAM_GROUP;
                            int nb = Math.min(STREAM_GROUP, b - s0);
                            float[] h = new float[width * nb];
                            float[] gh = new float[3 * width * nb];
                            if (start != null) {
                                for (int j = 0; j < width; j++) {
                                    System.arraycopy(start, j * b + s0, h, j * nb, nb);
                                }
                            }
                            for (int step = 0; step < t; step++) {
                                int at = s0 * t + step * nb;
                                rec.forward(h, gh, nb, INLINE);
                                for (int j = 0; j < width; j++) {
                                    int o = j * cols + at;
                                    System.arraycopy(h, j * nb, prev, o, nb);
                                    System.arraycopy(gh, (2 * width + j) * nb, ghN, o, nb);
                                    Kernels.gruGates(
                                            gi,
                                            o,
                                            (width + j) * cols + at,
                                            (2 * width + j) * cols + at,
                                            gh,
                                            j * nb,
                                            (width + j) * nb,
                                            (2 * width + j) * nb,
                                            prev,
                                            r,
                                            z,
                                            n,
                                            out,
                                            o,
                                            nb);
                                    System.arraycopy(out, o, h, j * nb, nb);
                                }
                            }
                            for (int j = 0; j < width; j++) {
                                System.arraycopy(h, j * nb, end, j * b + s0, nb);
                            }
                        }
                    });
            last[k] = end;
            if (k + 1 < depth) {
                System.arraycopy(out, 0, inputs[k + 1], 0, out.length);
            }
        }
        layers.get(layers.size() - 1).forward(outputs[depth - 1], logits, cols, pool);
        return last;
    }

    /** Starts the next window from zeros (an epoch's first batch). */
    @Override
    public void resetState() {
        state = null;
    }

    @Override
    public SparseMlp.BatchResult train(BatchSource.Batch batch, double smoothing) {
        int b = batch.size();
        load(batch.images(), b);
        if (state != null && state[0].length != width * b) {
            state = null; // a different number of streams starts over, as on the engine path
        }
        float[][] next = run(state);
        SparseMlp.BatchResult r =
                SparseMlp.softmaxCrossEntropy(logits, targets, smoothing, logitGrad);
        backward();
        state = next;
        // In windows, as the trainer counts examples: correct tokens over the window length.
        return new SparseMlp.BatchResult(
                r.loss(), Math.round((double) r.correct() * b / targets.length));
    }

    /** Backpropagates the logits' gradient through the window, leaving every gradient in place. */
    private void backward() {
        int t = steps;
        int b = streams;
        int cols = t * b;
        float[] dOut = hiddenGrad[0];
        layers.get(layers.size() - 1).backward(logitGrad, outputs[depth - 1], dOut, cols, pool);
        for (int k = depth - 1; k >= 0; k--) {
            CsrLayer in = layers.get(2 * k);
            CsrLayer rec = layers.get(2 * k + 1);
            float[] dGi = inputGates[k]; // the forward values are not needed any more
            float[] dGhAll = recurrentGateGrad[k];
            float[] ghN = recurrentCandidate[k];
            float[] prev = previous[k];
            float[] r = resetGate[k];
            float[] z = updateGate[k];
            float[] n = candidate[k];
            float[] dAbove = dOut;
            pool.each(
                    groups(),
                    (g0, g1) -> {
                        for (int g = g0; g < g1; g++) {
                            int s0 = g * STREAM_GROUP;
                            int nb = Math.min(STREAM_GROUP, b - s0);
                            float[] dh = new float[width * nb];
                            // truncated: nothing flows in from after the window
                            float[] dhPrev = new float[width * nb];
                            float[] dgh = new float[3 * width * nb];
                            for (int step = t - 1; step >= 0; step--) {
                                int at = s0 * t + step * nb;
                                for (int j = 0; j < width; j++) {
                                    int o = j * cols + at;
                                    for (int c = 0; c < nb; c++) {
                                        dh[j * nb + c] = dAbove[o + c] + dhPrev[j * nb + c];
                                    }
                                    Kernels.gruGatesBackward(
                                            dh,
                                            j * nb,
                                            ghN,
                                            prev,
                                            r,
                                            z,
                                            n,
                                            o,
                                            dGi,
                                            o,
                                            (width + j) * cols + at,
                                            (2 * width + j) * cols + at,
                                            dgh,
                                            j * nb,
                                            (width + j) * nb,
                                            (2 * width + j) * nb,
                                            nb);
                                    for (int q = 0; q < 3; q++) {
                                        System.arraycopy(
                                                dgh,
                                                (q * width + j) * nb,
                                                dGhAll,
                                                (q * width + j) * cols + at,
                                                nb);
                                    }
                                }
                                // dh_{t−1} = W_hᵀ · dgh + z ⊙ dh_t (left in dh by the kernel)
                                rec.inputGradient(dgh, dhPrev, nb, INLINE);
                                for (int i = 0; i < dhPrev.length; i++) {
                                    dhPrev[i] += dh[i];
                                }
                            }
                        }
                    });
            rec.weightGradient(dGhAll, prev, cols, pool);
            float[] dIn = dOut == hiddenGrad[0] ? hiddenGrad[1] : hiddenGrad[0];
            in.backward(dGi, inputs[k], dIn, cols, pool);
            dOut = dIn;
        }
        embeddingBackward(dOut);
    }

    /** Sums the first layer's input gradient into the embedding rows of the window's tokens. */
    private void embeddingBackward(float[] dX) {
        int cols = steps * streams;
        Arrays.fill(embeddingGrad, 0f);
        pool.each(
                width,
                (from, to) -> {
                    for (int f = from; f < to; f++) {
                        for (int c = 0; c < cols; c++) {
                            embeddingGrad[tokens[c] * width + f] += dX[f * cols + c];
                        }
                    }
                });
    }

    @Override
    public float[] forward(float[] x, int b) {
        load(x, b);
        run(null);
        return logits;
    }

    @Override
    public SparseMlp.BatchResult forwardBackward(float[] x, int[] labels, double smoothing) {
        BatchSource.Batch batch = new BatchSource.Batch(x, labels);
        return train(batch, smoothing);
    }

    @Override
    public Evaluation evaluate(BatchSource source) {
        double lossSum = 0;
        long correct = 0;
        long tokensSeen = 0;
        float[][] s = null;
        for (int i = 0; i < source.batchesPerEpoch(); i++) {
            BatchSource.Batch batch = source.batch(0, i);
            load(batch.images(), batch.size());
            if (s != null && s[0].length != width * batch.size()) {
                s = null;
            }
            s = run(s);
            SparseMlp.BatchResult r = SparseMlp.softmaxCrossEntropy(logits, targets, 0, null);
            lossSum += r.loss() * targets.length;
            correct += r.correct();
            tokensSeen += targets.length;
        }
        return new Evaluation(lossSum / tokensSeen, (double) correct / tokensSeen, tokensSeen);
    }

    @Override
    public int lastBatch() {
        return steps * streams;
    }

    @Override
    public WeightGradient denseGradient(int i, Device device) {
        int cols = steps * streams;
        CsrLayer l = layers.get(i);
        if (i == layers.size() - 1) {
            return new DenseGradient(device, outputs[depth - 1], logitGrad, l.cols(), cols);
        }
        int k = i / 2;
        return i % 2 == 0
                ? new DenseGradient(device, inputs[k], inputGates[k], l.cols(), cols)
                : new DenseGradient(device, previous[k], recurrentGateGrad[k], l.cols(), cols);
    }

    @Override
    public void sgdStepOthers(
            double lr, double momentum, boolean nesterov, double weightDecay, boolean first) {
        pool.each(
                embedding.length,
                (from, to) ->
                        CsrLayer.sgd(
                                embedding,
                                embeddingGrad,
                                embeddingVelocity,
                                from,
                                to,
                                lr,
                                momentum,
                                nesterov,
                                weightDecay,
                                first));
    }

    @Override
    public double otherGradientSquares() {
        double sq = 0;
        for (float g : embeddingGrad) {
            sq += (double) g * g;
        }
        return sq;
    }

    @Override
    public void scaleOtherGradients(float scale) {
        for (int i = 0; i < embeddingGrad.length; i++) {
            embeddingGrad[i] *= scale;
        }
    }

    @Override
    public void writeOthers(DataOutputStream out) throws IOException {
        CsrFormat.writeFloats(out, embedding);
        CsrFormat.writeFloats(out, embeddingVelocity);
        out.writeInt(state == null ? 0 : state[0].length / width);
        if (state != null) {
            for (float[] s : state) {
                CsrFormat.writeFloats(out, s);
            }
        }
    }

    @Override
    public void readOthers(DataInputStream in) throws IOException {
        System.arraycopy(
                CsrFormat.readFloats(in, embedding.length), 0, embedding, 0, embedding.length);
        System.arraycopy(
                CsrFormat.readFloats(in, embedding.length),
                0,
                embeddingVelocity,
                0,
                embedding.length);
        int b = in.readInt();
        if (b < 0 || (long) b * width > Integer.MAX_VALUE) {
            throw new IOException("recurrent state of " + b + " streams");
        }
        if (b == 0) {
            state = null;
            return;
        }
        float[][] s = new float[depth][];
        for (int k = 0; k < depth; k++) {
            s[k] = CsrFormat.readFloats(in, (long) width * b);
        }
        state = s;
    }

    /**
     * Builds the network of a run around layers read from a checkpoint; the embedding and the
     * carried state follow from {@link #readOthers}.
     *
     * @param layers the prunable layers, in model order
     * @param pool workers
     * @return the network
     */
    static SparseGru of(List<CsrLayer> layers, WorkerPool pool) {
        CsrLayer head = layers.get(layers.size() - 1);
        return new SparseGru(layers, new float[head.rows() * head.cols()], pool);
    }

    /**
     * The network a run starts from: the engine model's initial weights for the seed (so both paths
     * start from the same network) and the masks the engine path's updaters draw.
     *
     * @param config the run
     * @param train the training windows (vocabulary and window length)
     * @param device the engine's device
     * @param pool workers
     * @return the network
     */
    static SparseGru initial(TrainConfig config, ImageSet train, Device device, WorkerPool pool) {
        try (SprigModel model = Trainer.buildModel(config, train, device)) {
            List<LayerSpec> prunable = new ArrayList<>();
            for (NamedParameter p : model.prunableWeights()) {
                prunable.add(p.layer());
            }
            LayerAllocation allocation = CsrSession.allocation(config, prunable);
            SeedStream seeds = new SeedStream(config.seed);
            List<boolean[]> masks = new ArrayList<>();
            for (int i = 0; i < prunable.size(); i++) {
                LayerSpec l = prunable.get(i);
                masks.add(
                        CsrSession.initialMask(
                                seeds,
                                i,
                                Math.toIntExact(l.weightCount()),
                                allocation.keep().get(l.name())));
            }
            Map<String, float[]> named = new LinkedHashMap<>();
            model.parameters().forEach((name, p) -> named.put(name, p.array().toFloatArray()));
            return fromParameters(named, prunable, masks, pool);
        }
    }

    /**
     * Builds the network from the engine model's parameters (embedding, then per layer input and
     * recurrent weight and bias, then the projection) and the masks of the prunable layers.
     *
     * @param named parameter values by name ({@code embed.embedding}, {@code rnnK.input.weight},
     *     ...)
     * @param specs the model's prunable layers, in order
     * @param masks one per prunable layer
     * @param pool workers
     * @return the network
     */
    static SparseGru fromParameters(
            Map<String, float[]> named,
            List<LayerSpec> specs,
            List<boolean[]> masks,
            WorkerPool pool) {
        List<CsrLayer> layers = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            LayerSpec l = specs.get(i);
            int rows = l.outChannels();
            int cols = l.inChannels();
            layers.add(
                    CsrLayer.fromDense(
                            l.name(),
                            rows,
                            cols,
                            named.get(l.name() + ".weight"),
                            masks.get(i),
                            named.get(l.name() + ".bias")));
        }
        return new SparseGru(layers, named.get("embed.embedding").clone(), pool);
    }
}
