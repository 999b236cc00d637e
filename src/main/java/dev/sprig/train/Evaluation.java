package dev.sprig.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sprig.data.BatchSource;
import dev.sprig.models.SprigModel;

/**
 * Loss and accuracy of a model on a fixed set (no augmentation, no shuffling, batch norm in
 * inference mode).
 *
 * @param loss mean cross-entropy (without label smoothing)
 * @param accuracy fraction correct
 * @param examples number of examples
 */
public record Evaluation(double loss, double accuracy, long examples) {

    /**
     * Evaluates a model.
     *
     * @param model the model
     * @param source batches of the set
     * @return the figures
     */
    public static Evaluation of(SprigModel model, BatchSource source) {
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        var set = source.set();
        for (int b = 0; b < source.batchesPerEpoch(); b++) {
            BatchSource.Batch batch = source.batch(0, b);
            try (NDManager step = model.manager().newSubManager()) {
                NDArray x =
                        step.create(
                                batch.images(),
                                new Shape(batch.size(), set.channels(), set.height(), set.width()));
                NDArray y = step.create(toLong(batch.labels()));
                NDArray logits = model.forward(x, false);
                lossSum += Losses.crossEntropy(logits, y, 0).getFloat() * batch.size();
                correct += Losses.correct(logits, y);
                seen += batch.size();
            }
        }
        return new Evaluation(lossSum / seen, (double) correct / seen, seen);
    }

    static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
