package dev.sprig.sparse.exec;

import java.util.List;

/**
 * A multilayer perceptron of {@link CsrLayer}s: ReLU between layers, softmax cross-entropy on the
 * last. Holds the activations of the last batch so that a backward pass can follow a forward pass,
 * and the dense-gradient hook RigL needs on its update steps.
 */
public final class SparseMlp implements SparseNetwork {
    /**
     * Loss and correct count of one batch.
     *
     * @param loss mean cross-entropy (with the requested label smoothing)
     * @param correct rows whose arg-max equals the label
     */
    public record BatchResult(double loss, long correct) {}

    private final List<CsrLayer> layers;
    private final WorkerPool pool;
    private int batch = -1;
    private float[][] acts;
    private float[][] grads;

    /**
     * Creates the network.
     *
     * @param layers layers in order; each one's columns equal the previous one's rows
     * @param pool workers
     */
    public SparseMlp(List<CsrLayer> layers, WorkerPool pool) {
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i).cols() != layers.get(i - 1).rows()) {
                throw new IllegalArgumentException(
                        layers.get(i).name()
                                + " takes "
                                + layers.get(i).cols()
                                + " inputs but "
                                + layers.get(i - 1).name()
                                + " gives "
                                + layers.get(i - 1).rows());
            }
        }
        this.layers = List.copyOf(layers);
        this.pool = pool;
    }

    @Override
    public List<CsrLayer> layers() {
        return layers;
    }

    /**
     * @return the workers
     */
    public WorkerPool pool() {
        return pool;
    }

    private void ensureBuffers(int b) {
        if (b == batch) {
            return;
        }
        acts = new float[layers.size() + 1][];
        grads = new float[layers.size()][];
        acts[0] = new float[layers.get(0).cols() * b];
        for (int i = 0; i < layers.size(); i++) {
            acts[i + 1] = new float[layers.get(i).rows() * b];
            grads[i] = new float[layers.get(i).rows() * b];
        }
        batch = b;
    }

    /**
     * Runs the network on a batch.
     *
     * @param x batch-major inputs, {@code b × inputs}
     * @param b batch size
     * @return the logits, feature-major {@code classes × b} (a live buffer, valid until the next
     *     call)
     */
    @Override
    public float[] forward(float[] x, int b) {
        ensureBuffers(b);
        int in = layers.get(0).cols();
        if (x.length != in * b) {
            throw new IllegalArgumentException(
                    "expected "
                            + b
                            + " inputs of "
                            + in
                            + " features, got "
                            + x.length
                            + " values");
        }
        float[] x0 = acts[0];
        pool.each(
                in,
                (from, to) -> {
                    for (int f = from; f < to; f++) {
                        for (int s = 0; s < b; s++) {
                            x0[f * b + s] = x[s * in + f];
                        }
                    }
                });
        for (int i = 0; i < layers.size(); i++) {
            float[] out = acts[i + 1];
            layers.get(i).forward(acts[i], out, b, pool);
            if (i + 1 < layers.size()) {
                pool.each(
                        out.length,
                        (from, to) -> {
                            for (int j = from; j < to; j++) {
                                out[j] = Math.max(out[j], 0f);
                            }
                        });
            }
        }
        return acts[layers.size()];
    }

    /**
     * Forward and backward pass: leaves every layer's weight and bias gradient in place.
     *
     * @param x batch-major inputs
     * @param labels class per row
     * @param smoothing label smoothing ε
     * @return loss and correct count
     */
    @Override
    public BatchResult forwardBackward(float[] x, int[] labels, double smoothing) {
        int b = labels.length;
        float[] logits = forward(x, b);
        int last = layers.size() - 1;
        float[] d = grads[last];
        BatchResult r = softmaxCrossEntropy(logits, labels, smoothing, d);
        for (int i = last; i >= 0; i--) {
            float[] dIn = i > 0 ? grads[i - 1] : null;
            layers.get(i).backward(grads[i], acts[i], dIn, b, pool);
            if (dIn != null) {
                float[] a = acts[i];
                pool.each(
                        dIn.length,
                        (from, to) -> {
                            for (int j = from; j < to; j++) {
                                if (a[j] <= 0f) {
                                    dIn[j] = 0f;
                                }
                            }
                        });
            }
        }
        return r;
    }

    /**
     * Returns the input of layer {@code i} and the gradient at its output from the last backward
     * pass: the two factors of its dense weight gradient.
     *
     * @param i layer index
     * @return {input (cols × b), output gradient (rows × b)}
     */
    public float[][] gradientFactors(int i) {
        return new float[][] {acts[i], grads[i]};
    }

    @Override
    public WeightGradient denseGradient(int i, ai.djl.Device device) {
        return new DenseGradient(device, acts[i], grads[i], layers.get(i).cols(), batch);
    }

    @Override
    public int lastBatch() {
        return batch;
    }

    /**
     * Mean softmax cross-entropy of feature-major logits, with its gradient w.r.t. the logits.
     *
     * @param logits {@code k × b}
     * @param labels b labels
     * @param smoothing ε: the target is (1−ε)·onehot + ε/k
     * @param dLogits receives (softmax − target) / b; null to skip
     * @return loss and correct count
     */
    static BatchResult softmaxCrossEntropy(
            float[] logits, int[] labels, double smoothing, float[] dLogits) {
        int b = labels.length;
        int k = logits.length / b;
        double loss = 0;
        long correct = 0;
        for (int s = 0; s < b; s++) {
            float max = Float.NEGATIVE_INFINITY;
            int arg = 0;
            for (int c = 0; c < k; c++) {
                float v = logits[c * b + s];
                if (v > max) {
                    max = v;
                    arg = c;
                }
            }
            if (arg == labels[s]) {
                correct++;
            }
            double z = 0;
            for (int c = 0; c < k; c++) {
                z += Math.exp(logits[c * b + s] - max);
            }
            double logZ = max + Math.log(z);
            for (int c = 0; c < k; c++) {
                double target = (c == labels[s] ? 1 - smoothing : 0) + smoothing / k;
                double logp = logits[c * b + s] - logZ;
                loss -= target * logp;
                if (dLogits != null) {
                    dLogits[c * b + s] = (float) ((Math.exp(logp) - target) / b);
                }
            }
        }
        return new BatchResult(loss / b, correct);
    }
}
