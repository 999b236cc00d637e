package dev.sprig.sparse.exec;

import java.util.Arrays;

/**
 * A fully-connected layer whose weight lives in compressed sparse rows (one row per output neuron),
 * with its gradient and momentum in the same layout and a transposed index for the input gradient.
 *
 * <p>Activations are feature-major ({@code features × batch}, row-major), so every stored weight
 * touches one contiguous batch-length row: the forward pass is {@code out[o] += w · in[i]}, the
 * input gradient {@code dIn[i] += w · dOut[o]}, the weight gradient {@code dot(dOut[o], in[i])} (a
 * sampled dense-dense product: only stored positions are computed). Rows are independent in the
 * forward pass and the weight gradient, columns in the input gradient, so each parallelises without
 * locks or atomics; sums run in a fixed order, so results do not depend on the thread count.
 *
 * <p>CSR over alternatives: a coordinate list would need a scatter with races for the forward pass;
 * blocked formats pay only when non-zeros cluster, and the masks of RigL and SET are uniformly
 * random within a layer.
 */
public final class CsrLayer implements dev.sprig.sparse.Rewiring.Layer {
    private final String name;
    private final int rows;
    private final int cols;
    private int[] rowPtr;
    private int[] colIdx;
    private float[] values;
    private float[] grad;
    private float[] velocity;
    private int[] colPtr;
    private int[] tRow;
    private int[] tPos;
    private final float[] bias;
    private final float[] biasGrad;
    private final float[] biasVelocity;

    private CsrLayer(String name, int rows, int cols, float[] bias) {
        if (bias.length != rows) {
            throw new IllegalArgumentException(
                    name + ": bias has " + bias.length + " entries for " + rows + " rows");
        }
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.bias = bias;
        this.biasGrad = new float[rows];
        this.biasVelocity = new float[rows];
    }

    /**
     * Builds a layer from stored positions.
     *
     * @param name layer name
     * @param rows output features
     * @param cols input features
     * @param positions strictly increasing row-major positions {@code row · cols + col}
     * @param values weight at each position
     * @param bias one per row (kept, not copied)
     * @return the layer, with zero momentum
     */
    public static CsrLayer of(
            String name, int rows, int cols, long[] positions, float[] values, float[] bias) {
        CsrLayer l = new CsrLayer(name, rows, cols, bias);
        l.setStructure(positions, values, new float[values.length]);
        return l;
    }

    /**
     * Compresses a masked dense weight.
     *
     * @param name layer name
     * @param rows output features
     * @param cols input features
     * @param weight dense {@code rows × cols} weight, row-major
     * @param mask which weights are stored
     * @param bias one per row (copied)
     * @return the layer
     */
    public static CsrLayer fromDense(
            String name, int rows, int cols, float[] weight, boolean[] mask, float[] bias) {
        if (weight.length != (long) rows * cols || mask.length != weight.length) {
            throw new IllegalArgumentException(
                    name + ": weight/mask size does not match " + rows + "x" + cols);
        }
        int n = 0;
        for (boolean m : mask) {
            n += m ? 1 : 0;
        }
        long[] pos = new long[n];
        float[] v = new float[n];
        int k = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                pos[k] = i;
                v[k++] = weight[i];
            }
        }
        return of(name, rows, cols, pos, v, bias.clone());
    }

    /**
     * Replaces the stored positions (after drop and grow), with their values and momentum.
     *
     * @param positions strictly increasing row-major positions
     * @param newValues weights, aligned with positions
     * @param newVelocity momentum, aligned with positions
     */
    @Override
    public void setStructure(long[] positions, float[] newValues, float[] newVelocity) {
        if (positions.length != newValues.length || positions.length != newVelocity.length) {
            throw new IllegalArgumentException(
                    name + ": positions, values and momentum differ in length");
        }
        int[] ptr = new int[rows + 1];
        int[] col = new int[positions.length];
        long prev = -1;
        long limit = (long) rows * cols;
        for (int k = 0; k < positions.length; k++) {
            long p = positions[k];
            if (p <= prev || p >= limit) {
                throw new IllegalArgumentException(
                        name + ": positions must increase strictly within " + rows + "x" + cols);
            }
            prev = p;
            int r = (int) (p / cols);
            col[k] = (int) (p % cols);
            ptr[r + 1]++;
        }
        for (int r = 0; r < rows; r++) {
            ptr[r + 1] += ptr[r];
        }
        rowPtr = ptr;
        colIdx = col;
        values = newValues;
        velocity = newVelocity;
        grad = new float[positions.length];
        buildTranspose();
    }

    private void buildTranspose() {
        int[] cp = new int[cols + 1];
        for (int c : colIdx) {
            cp[c + 1]++;
        }
        for (int c = 0; c < cols; c++) {
            cp[c + 1] += cp[c];
        }
        int[] fill = Arrays.copyOf(cp, cols);
        int[] tr = new int[colIdx.length];
        int[] tp = new int[colIdx.length];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int slot = fill[colIdx[k]]++;
                tr[slot] = r;
                tp[slot] = k;
            }
        }
        colPtr = cp;
        tRow = tr;
        tPos = tp;
    }

    /**
     * Columns per tile when a batch is wide: every stored weight reads a batch-length row of the
     * input, so on a wide batch (a recurrent layer passes a whole window, 3,200 columns) the rows
     * of one output stream from memory; in tiles of at most {@value} floats of input (256 KiB, in
     * the L2 cache) the input a worker reads stays cached across its rows. Forward and input
     * gradient sum each value in the same order tiled or not; the weight gradient adds per-tile dot
     * products in tile order, so it is still independent of the thread count.
     */
    static final int TILE_FLOATS = 1 << 16;

    /**
     * Batches up to this many columns are never tiled: image batches (MLPs, up to 1,024 examples)
     * keep the single pass, and so their sums, that their figures were measured with.
     */
    static final int UNTILED_BATCH = 1024;

    /** The column tile for a batch: the whole batch when it is narrow or its input fits. */
    private static int tile(int inputRows, int batch) {
        if (batch <= UNTILED_BATCH || (long) inputRows * batch <= TILE_FLOATS) {
            return batch;
        }
        return Math.min(batch, Math.max(256, TILE_FLOATS / Math.max(1, inputRows) / 16 * 16));
    }

    /**
     * Computes {@code out = W · in + b} for a feature-major batch.
     *
     * @param in {@code cols × batch}
     * @param out {@code rows × batch}, overwritten
     * @param batch batch size
     * @param pool workers
     */
    public void forward(float[] in, float[] out, int batch, WorkerPool pool) {
        int tile = tile(cols, batch);
        pool.each(
                rows,
                (from, to) -> {
                    for (int t0 = 0; t0 < batch; t0 += tile) {
                        int n = Math.min(tile, batch - t0);
                        for (int r = from; r < to; r++) {
                            int o = r * batch + t0;
                            Arrays.fill(out, o, o + n, bias[r]);
                            int k = rowPtr[r];
                            int end = rowPtr[r + 1];
                            for (; k + 3 < end; k += 4) {
                                Kernels.axpy4(
                                        values[k],
                                        values[k + 1],
                                        values[k + 2],
                                        values[k + 3],
                                        in,
                                        colIdx[k] * batch + t0,
                                        colIdx[k + 1] * batch + t0,
                                        colIdx[k + 2] * batch + t0,
                                        colIdx[k + 3] * batch + t0,
                                        out,
                                        o,
                                        n);
                            }
                            for (; k < end; k++) {
                                Kernels.axpy(values[k], in, colIdx[k] * batch + t0, out, o, n);
                            }
                        }
                    }
                });
    }

    /**
     * Computes the weight and bias gradients (overwriting them) and, when asked, the input gradient
     * {@code dIn = Wᵀ · dOut}.
     *
     * @param dOut gradient of the loss w.r.t. this layer's output, {@code rows × batch}
     * @param in this layer's input, {@code cols × batch}
     * @param dIn {@code cols × batch}, overwritten; null to skip (first layer)
     * @param batch batch size
     * @param pool workers
     */
    public void backward(float[] dOut, float[] in, float[] dIn, int batch, WorkerPool pool) {
        weightGradient(dOut, in, batch, pool);
        if (dIn != null) {
            inputGradient(dOut, dIn, batch, pool);
        }
    }

    /**
     * Computes the weight gradient at stored positions and the bias gradient, overwriting both: the
     * sums run over every column of the batch (a recurrent layer passes all its time steps at
     * once).
     *
     * @param dOut gradient at this layer's output, {@code rows × batch}
     * @param in this layer's input, {@code cols × batch}
     * @param batch columns
     * @param pool workers
     */
    public void weightGradient(float[] dOut, float[] in, int batch, WorkerPool pool) {
        int tile = tile(cols, batch);
        pool.each(
                rows,
                (from, to) -> {
                    float[] part = new float[4];
                    for (int t0 = 0; t0 < batch; t0 += tile) {
                        int n = Math.min(tile, batch - t0);
                        boolean first = t0 == 0;
                        for (int r = from; r < to; r++) {
                            int o = r * batch + t0;
                            float b = Kernels.sum(dOut, o, n);
                            biasGrad[r] = first ? b : biasGrad[r] + b;
                            int k = rowPtr[r];
                            int end = rowPtr[r + 1];
                            for (; k + 3 < end; k += 4) {
                                Kernels.dot4(
                                        dOut,
                                        o,
                                        in,
                                        colIdx[k] * batch + t0,
                                        colIdx[k + 1] * batch + t0,
                                        colIdx[k + 2] * batch + t0,
                                        colIdx[k + 3] * batch + t0,
                                        n,
                                        part,
                                        0);
                                for (int q = 0; q < 4; q++) {
                                    grad[k + q] = first ? part[q] : grad[k + q] + part[q];
                                }
                            }
                            for (; k < end; k++) {
                                float d = Kernels.dot(dOut, o, in, colIdx[k] * batch + t0, n);
                                grad[k] = first ? d : grad[k] + d;
                            }
                        }
                    }
                });
    }

    /**
     * Computes the input gradient {@code dIn = Wᵀ · dOut}, overwriting it.
     *
     * @param dOut gradient at this layer's output, {@code rows × batch}
     * @param dIn {@code cols × batch}, overwritten
     * @param batch columns
     * @param pool workers
     */
    public void inputGradient(float[] dOut, float[] dIn, int batch, WorkerPool pool) {
        int tile = tile(rows, batch);
        pool.each(
                cols,
                (from, to) -> {
                    for (int t0 = 0; t0 < batch; t0 += tile) {
                        int n = Math.min(tile, batch - t0);
                        for (int c = from; c < to; c++) {
                            int i = c * batch + t0;
                            Arrays.fill(dIn, i, i + n, 0f);
                            int t = colPtr[c];
                            int end = colPtr[c + 1];
                            for (; t + 3 < end; t += 4) {
                                Kernels.axpy4(
                                        values[tPos[t]],
                                        values[tPos[t + 1]],
                                        values[tPos[t + 2]],
                                        values[tPos[t + 3]],
                                        dOut,
                                        tRow[t] * batch + t0,
                                        tRow[t + 1] * batch + t0,
                                        tRow[t + 2] * batch + t0,
                                        tRow[t + 3] * batch + t0,
                                        dIn,
                                        i,
                                        n);
                            }
                            for (; t < end; t++) {
                                Kernels.axpy(
                                        values[tPos[t]], dOut, tRow[t] * batch + t0, dIn, i, n);
                            }
                        }
                    }
                });
    }

    /** Row starts of the stored entries ({@code rows + 1}); replaced when the structure is. */
    int[] rowPtr() {
        return rowPtr;
    }

    /** Column of each stored entry. */
    int[] colIdx() {
        return colIdx;
    }

    /** Column starts of the transposed index ({@code cols + 1}). */
    int[] colPtr() {
        return colPtr;
    }

    /** Row of each transposed entry. */
    int[] tRow() {
        return tRow;
    }

    /** Position in {@link #values()} of each transposed entry. */
    int[] tPos() {
        return tPos;
    }

    /**
     * One SGD step on the stored weights and the bias, in the rule of {@code SgdOptimizer} (and
     * PyTorch): {@code g += λw; v = μv + g} (v = g on the first step); {@code w -= η(g + μv)} with
     * Nesterov, else {@code w -= ηv}.
     *
     * @param lr η
     * @param momentum μ
     * @param nesterov Nesterov momentum
     * @param weightDecay λ
     * @param first whether this is the optimiser's first step (momentum starts at the gradient)
     * @param pool workers
     */
    public void sgdStep(
            double lr,
            double momentum,
            boolean nesterov,
            double weightDecay,
            boolean first,
            WorkerPool pool) {
        pool.each(
                values.length,
                (from, to) ->
                        sgd(
                                values,
                                grad,
                                velocity,
                                from,
                                to,
                                lr,
                                momentum,
                                nesterov,
                                weightDecay,
                                first));
        sgd(bias, biasGrad, biasVelocity, 0, rows, lr, momentum, nesterov, weightDecay, first);
    }

    /** One SGD step over {@code [from, to)} of a parameter, momentum and gradient. */
    static void sgd(
            float[] w,
            float[] g,
            float[] v,
            int from,
            int to,
            double lr,
            double mu,
            boolean nesterov,
            double wd,
            boolean first) {
        float fl = (float) lr;
        float fm = (float) mu;
        float fw = (float) wd;
        for (int k = from; k < to; k++) {
            float gk = g[k] + fw * w[k];
            float dir = gk;
            if (mu > 0) {
                v[k] = first ? gk : fm * v[k] + gk;
                dir = nesterov ? gk + fm * v[k] : v[k];
            }
            w[k] -= fl * dir;
        }
    }

    /**
     * Returns the dense weight (tests, export, small layers only).
     *
     * @return {@code rows × cols}, zero where nothing is stored
     */
    public float[] toDense() {
        float[] d = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                d[r * cols + colIdx[k]] = values[k];
            }
        }
        return d;
    }

    /**
     * Returns the row-major position of every stored weight, in storage order.
     *
     * @return increasing positions
     */
    public long[] positions() {
        long[] p = new long[colIdx.length];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                p[k] = (long) r * cols + colIdx[k];
            }
        }
        return p;
    }

    /**
     * @return layer name
     */
    public String name() {
        return name;
    }

    /**
     * @return output features
     */
    public int rows() {
        return rows;
    }

    /**
     * @return input features
     */
    public int cols() {
        return cols;
    }

    /**
     * @return stored weight count
     */
    public int nnz() {
        return colIdx.length;
    }

    /**
     * @return number of stored weights in each row
     */
    public int rowCount(int r) {
        return rowPtr[r + 1] - rowPtr[r];
    }

    /**
     * @return the stored weights (live)
     */
    public float[] values() {
        return values;
    }

    /**
     * @return the gradient of the stored weights from the last backward pass (live)
     */
    public float[] grad() {
        return grad;
    }

    /**
     * @return the momentum of the stored weights (live)
     */
    public float[] velocity() {
        return velocity;
    }

    /**
     * @return the bias (live)
     */
    public float[] bias() {
        return bias;
    }

    /**
     * @return the bias gradient (live)
     */
    public float[] biasGrad() {
        return biasGrad;
    }

    /**
     * @return the bias momentum (live)
     */
    public float[] biasVelocity() {
        return biasVelocity;
    }
}
