package dev.sprig.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** The classification loss of every Sprig run. */
public final class Losses {
    private Losses() {}

    /**
     * Mean softmax cross-entropy with optional label smoothing: the target is \(
     * (1-\epsilon)\,\mathrm{onehot}(y) + \epsilon/K \).
     *
     * @param logits (N, K) scores
     * @param labels (N) int64 class indices
     * @param smoothing ε in [0, 1)
     * @return scalar loss, attached to the logits' manager
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels, double smoothing) {
        int k = (int) logits.getShape().get(1);
        NDArray logp = logits.logSoftmax(1);
        NDArray target = labels.oneHot(k, DataType.FLOAT32);
        if (smoothing > 0) {
            target = target.mul((float) (1 - smoothing)).add((float) (smoothing / k));
        }
        return logp.mul(target).sum(new int[] {1}).mean().neg();
    }

    /**
     * Counts correct top-1 predictions.
     *
     * @param logits (N, K) scores
     * @param labels (N) int64 class indices
     * @return number of rows whose arg-max equals the label
     */
    public static long correct(NDArray logits, NDArray labels) {
        return logits.argMax(1).eq(labels).sum().toType(DataType.INT64, false).getLong();
    }
}
