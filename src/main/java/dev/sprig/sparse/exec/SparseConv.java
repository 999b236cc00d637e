package dev.sprig.sparse.exec;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import dev.sprig.models.LayerSpec;
import java.util.Arrays;

/**
 * A 2-D convolution (square kernel, any stride and zero padding, one group) whose weight is a
 * {@link CsrLayer} of {@code out} rows by {@code in·k·k} columns, the engine's weight layout: the
 * arithmetic touches stored weights only, in the forward pass, the input gradient and the weight
 * gradient (SparseProp, Nikdan et al. 2023, does the same on CPU with the batch as the vector
 * axis).
 *
 * <p>Activations are channel-major with the batch innermost, {@code [C][H][W][b]}, so one stored
 * weight multiplies one contiguous batch-length row for every output position whatever the stride:
 * the forward pass sums {@code w · in[c][y·s+kh][x·s+kw][·]} over the stored entries of an output
 * channel in vector registers ({@link Kernels#gather}); the input gradient does the same over the
 * transposed entries of an input channel (split by stride phase, so a strided layer skips the
 * positions it never read); the weight gradient is one dot product per stored entry. Output
 * channels (forward, weight gradient) and input channels (input gradient) are independent, so the
 * work is split over threads without locks, and every sum runs in a fixed order: results do not
 * depend on the thread count.
 *
 * <p>Zero padding is materialised (the input is copied into a padded buffer, the output gradient
 * into one padded by the kernel side), which removes every bounds test from the inner loops.
 */
final class SparseConv {
    private final CsrLayer layer;
    private final boolean hasBias;
    private final int c;
    private final int h;
    private final int w;
    private final int o;
    private final int k;
    private final int s;
    private final int p;
    private final int ho;
    private final int wo;
    private final int hp;
    private final int wp;
    private final int q;
    private final int hq;
    private final int wq;

    private int batch = -1;
    private float[] inPad;
    private float[] out;
    private float[] dOutPad;
    private float[] dIn;
    private float[] lastDOut;

    // Offsets of the stored entries for the forward pass and weight gradient, and of the
    // transposed entries (grouped by input channel and stride phase) for the input gradient;
    // rebuilt when the structure or the batch size changes.
    private int[] builtFor;
    private int[] fwdOff;
    private int[] tIdx;
    private int[] tOff;
    private int[] phasePtr;
    private float[] tVal;

    SparseConv(CsrLayer layer, LayerSpec spec, int pad) {
        if (spec.groups() != 1) {
            throw new IllegalArgumentException(spec.name() + ": grouped convolution");
        }
        this.layer = layer;
        this.hasBias = spec.bias();
        this.c = spec.inChannels();
        this.h = spec.inHeight();
        this.w = spec.inWidth();
        this.o = spec.outChannels();
        this.k = spec.kernel();
        this.s = spec.stride();
        this.p = pad;
        this.ho = spec.outHeight();
        this.wo = spec.outWidth();
        this.hp = h + 2 * p;
        this.wp = w + 2 * p;
        this.q = k;
        this.hq = ho + 2 * q;
        this.wq = wo + 2 * q;
        if (layer.rows() != o || layer.cols() != c * k * k) {
            throw new IllegalArgumentException(spec.name() + ": weight does not fit the spec");
        }
    }

    CsrLayer layer() {
        return layer;
    }

    /** Output values per example. */
    int outSize() {
        return o * ho * wo;
    }

    private void ensure(int b) {
        if (b != batch) {
            inPad = p == 0 ? null : new float[c * hp * wp * b];
            out = new float[o * ho * wo * b];
            dOutPad = new float[o * hq * wq * b];
            dIn = new float[c * h * w * b];
            batch = b;
            builtFor = null;
        }
        if (builtFor != layer.colIdx()) {
            buildOffsets(b);
            builtFor = layer.colIdx();
        }
    }

    private void buildOffsets(int b) {
        int[] col = layer.colIdx();
        int kk = k * k;
        fwdOff = new int[col.length];
        for (int e = 0; e < col.length; e++) {
            int ci = col[e] / kk;
            int kh = col[e] % kk / k;
            int kw = col[e] % k;
            fwdOff[e] = ((ci * hp + kh) * wp + kw) * b;
        }
        int phases = s * s;
        int[] colPtr = layer.colPtr();
        int[] tRow = layer.tRow();
        int[] tPos = layer.tPos();
        phasePtr = new int[c * phases + 1];
        tIdx = new int[col.length];
        tOff = new int[col.length];
        tVal = new float[col.length];
        int n = 0;
        for (int ci = 0; ci < c; ci++) {
            for (int ry = 0; ry < s; ry++) {
                for (int rx = 0; rx < s; rx++) {
                    phasePtr[ci * phases + ry * s + rx] = n;
                    for (int kh = ry; kh < k; kh += s) {
                        for (int kw = rx; kw < k; kw += s) {
                            int j = ci * kk + kh * k + kw;
                            for (int t = colPtr[j]; t < colPtr[j + 1]; t++) {
                                tIdx[n] = tPos[t];
                                int yq = q - (kh - ry) / s;
                                int xq = q - (kw - rx) / s;
                                tOff[n] = ((tRow[t] * hq + yq) * wq + xq) * b;
                                n++;
                            }
                        }
                    }
                }
            }
        }
        phasePtr[c * phases] = n;
    }

    /**
     * Computes the output of a batch.
     *
     * @param in {@code [C][H][W][b]}
     * @param b batch size
     * @param pool workers
     * @return {@code [O][Ho][Wo][b]} (a live buffer, valid until the next call)
     */
    float[] forward(float[] in, int b, WorkerPool pool) {
        ensure(b);
        float[] src = in;
        if (p > 0) {
            float[] dst = inPad;
            pool.each(
                    c,
                    (from, to) -> {
                        for (int ci = from; ci < to; ci++) {
                            for (int y = 0; y < h; y++) {
                                System.arraycopy(
                                        in,
                                        ((ci * h + y) * w) * b,
                                        dst,
                                        ((ci * hp + y + p) * wp + p) * b,
                                        w * b);
                            }
                        }
                    });
            src = dst;
        }
        float[] input = src;
        int[] rowPtr = layer.rowPtr();
        float[] values = layer.values();
        float[] bias = layer.bias();
        int[] off = fwdOff;
        float[] y0 = out;
        pool.each(
                o,
                (from, to) -> {
                    // Output rows outermost: the k input rows one output row reads stay in cache
                    // while every output channel of this worker reads them.
                    for (int y = 0; y < ho; y++) {
                        for (int oc = from; oc < to; oc++) {
                            int k0 = rowPtr[oc];
                            int k1 = rowPtr[oc + 1];
                            float init = hasBias ? bias[oc] : 0f;
                            for (int x = 0; x < wo; x++) {
                                Kernels.gather(
                                        values,
                                        off,
                                        k0,
                                        k1,
                                        input,
                                        (y * s * wp + x * s) * b,
                                        y0,
                                        ((oc * ho + y) * wo + x) * b,
                                        b,
                                        init);
                            }
                        }
                    }
                });
        lastInput = input;
        lastRaw = in;
        return out;
    }

    private float[] lastInput;
    private float[] lastRaw;

    /**
     * Computes the weight (and bias) gradient at stored positions, overwriting the layer's, and the
     * input gradient when asked.
     *
     * @param dOut gradient at the output, {@code [O][Ho][Wo][b]}
     * @param b batch size
     * @param inputGradient whether to compute the input gradient (not for the first layer)
     * @param pool workers
     * @return the input gradient {@code [C][H][W][b]} (a live buffer), or null
     */
    float[] backward(float[] dOut, int b, boolean inputGradient, WorkerPool pool) {
        lastDOut = dOut;
        weightGradient(dOut, pool);
        if (hasBias) {
            float[] bg = layer.biasGrad();
            for (int oc = 0; oc < o; oc++) {
                bg[oc] = Kernels.sum(dOut, oc * ho * wo * b, ho * wo * b);
            }
        }
        if (!inputGradient) {
            return null;
        }
        float[] padded = dOutPad;
        pool.each(
                o,
                (from, to) -> {
                    for (int oc = from; oc < to; oc++) {
                        for (int y = 0; y < ho; y++) {
                            System.arraycopy(
                                    dOut,
                                    ((oc * ho + y) * wo) * b,
                                    padded,
                                    ((oc * hq + y + q) * wq + q) * b,
                                    wo * b);
                        }
                    }
                });
        float[] values = layer.values();
        for (int e = 0; e < tIdx.length; e++) {
            tVal[e] = values[tIdx[e]];
        }
        float[] d = dIn;
        int phases = s * s;
        pool.each(
                c,
                (from, to) -> {
                    for (int yi = 0; yi < h; yi++) { // rows outermost, as in the forward pass
                        int ry = (yi + p) % s;
                        int yy = (yi + p) / s;
                        for (int ci = from; ci < to; ci++) {
                            for (int xi = 0; xi < w; xi++) {
                                int rx = (xi + p) % s;
                                int ph = ci * phases + ry * s + rx;
                                Kernels.gather(
                                        tVal,
                                        tOff,
                                        phasePtr[ph],
                                        phasePtr[ph + 1],
                                        padded,
                                        (yy * wq + (xi + p) / s) * b,
                                        d,
                                        ((ci * h + yi) * w + xi) * b,
                                        b,
                                        0f);
                            }
                        }
                    }
                });
        return dIn;
    }

    /**
     * The weight gradient at every position, stored or not (RigL's growth criterion on update
     * steps, SNFS's on every step), from the last forward and backward pass: a dense computation,
     * which the engine does (the same arithmetic as the masked-dense path, so both paths rank
     * growth candidates alike).
     *
     * @param device where the engine computes
     * @return {@code out × in·k·k} gradient, row-major
     */
    float[] denseGradient(Device device) {
        int b = batch;
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray x =
                    m.create(Arrays.copyOf(lastRaw, c * h * w * b), new Shape(c, h, w, b))
                            .transpose(3, 0, 1, 2);
            NDArray g =
                    m.create(Arrays.copyOf(lastDOut, o * ho * wo * b), new Shape(o, ho, wo, b))
                            .transpose(3, 0, 1, 2);
            NDArray weight = m.zeros(new Shape(o, c, k, k));
            weight.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y =
                        Conv2d.conv2d(
                                        x,
                                        weight,
                                        null,
                                        new Shape(s, s),
                                        new Shape(p, p),
                                        new Shape(1, 1),
                                        1)
                                .singletonOrThrow();
                gc.backward(y.mul(g).sum());
            }
            return weight.getGradient().toFloatArray();
        }
    }

    /** The weight gradient at stored positions, one output channel per task, into the layer. */
    private void weightGradient(float[] dOut, WorkerPool pool) {
        int b = batch;
        float[] input = lastInput;
        int[] rowPtr = layer.rowPtr();
        int[] off = fwdOff;
        float[] grad = layer.grad();
        pool.each(
                o,
                (from, to) -> {
                    float[] part = new float[4];
                    Arrays.fill(grad, rowPtr[from], rowPtr[to], 0f);
                    // Rows outermost, as in the forward pass; each weight still sums its rows in
                    // ascending order.
                    for (int y = 0; y < ho; y++) {
                        for (int oc = from; oc < to; oc++) {
                            int k0 = rowPtr[oc];
                            int k1 = rowPtr[oc + 1];
                            // With stride 1 a whole output row reads one contiguous input row.
                            int span = s == 1 ? wo : 1;
                            for (int x = 0; x < wo; x += span) {
                                int g0 = ((oc * ho + y) * wo + x) * b;
                                int base = (y * s * wp + x * s) * b;
                                int e = k0;
                                for (; e + 3 < k1; e += 4) {
                                    Kernels.dot4(
                                            dOut,
                                            g0,
                                            input,
                                            base + off[e],
                                            base + off[e + 1],
                                            base + off[e + 2],
                                            base + off[e + 3],
                                            span * b,
                                            part,
                                            0);
                                    grad[e] += part[0];
                                    grad[e + 1] += part[1];
                                    grad[e + 2] += part[2];
                                    grad[e + 3] += part[3];
                                }
                                for (; e < k1; e++) {
                                    grad[e] +=
                                            Kernels.dot(dOut, g0, input, base + off[e], span * b);
                                }
                            }
                        }
                    }
                });
    }
}
