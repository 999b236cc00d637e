package dev.sprig.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sprig.data.BatchSource;
import dev.sprig.models.SprigModel;

/**
 * Loss and accuracy of a model on a fixed set (no augmentation, no shuffling, batch norm in
 * inference mode), with the accuracy of each class.
 *
 * @param loss mean cross-entropy (without label smoothing)
 * @param accuracy fraction correct
 * @param examples number of examples
 * @param classCorrect correct predictions per true class, or null when not counted
 * @param classSeen examples per true class, or null when not counted
 */
public record Evaluation(
        double loss, double accuracy, long examples, long[] classCorrect, long[] classSeen) {

    /**
     * Figures without per-class counts.
     *
     * @param loss mean loss
     * @param accuracy fraction correct
     * @param examples examples
     */
    public Evaluation(double loss, double accuracy, long examples) {
        this(loss, accuracy, examples, null, null);
    }

    /**
     * Evaluates a model.
     *
     * @param model the model
     * @param source batches of the set
     * @return the figures
     */
    public static Evaluation of(SprigModel model, BatchSource source) {
        double lossSum = 0;
        long seen = 0;
        var set = source.set();
        ClassTally tally = new ClassTally(set.classes());
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
                long[] predicted =
                        logits.argMax(1)
                                .toType(ai.djl.ndarray.types.DataType.INT64, false)
                                .toLongArray();
                tally.add(batch.labels(), predicted);
                seen += batch.size();
            }
        }
        return tally.evaluation(lossSum / seen, seen);
    }

    /**
     * Accuracy of each class by name, for sets whose classes have names.
     *
     * @param names class names
     * @return name to fraction correct (null for a class the set lacks), or null when not counted
     */
    public java.util.Map<String, Double> perClass(java.util.List<String> names) {
        if (classCorrect == null) {
            return null;
        }
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        for (int c = 0; c < names.size(); c++) {
            m.put(names.get(c), classSeen[c] == 0 ? null : (double) classCorrect[c] / classSeen[c]);
        }
        return m;
    }

    /** Counts correct predictions per true class over the batches of one evaluation. */
    public static final class ClassTally {
        private final long[] correct;
        private final long[] seen;

        /**
         * Starts counting.
         *
         * @param classes number of classes
         */
        public ClassTally(int classes) {
            correct = new long[classes];
            seen = new long[classes];
        }

        /**
         * Adds one batch.
         *
         * @param labels true classes
         * @param predicted predicted classes
         */
        public void add(int[] labels, long[] predicted) {
            for (int i = 0; i < labels.length; i++) {
                seen[labels[i]]++;
                if (predicted[i] == labels[i]) {
                    correct[labels[i]]++;
                }
            }
        }

        /**
         * The evaluation with these counts.
         *
         * @param loss mean loss
         * @param examples examples seen
         * @return the figures; accuracy is the counts' total
         */
        public Evaluation evaluation(double loss, long examples) {
            long total = 0;
            for (long c : correct) {
                total += c;
            }
            return new Evaluation(loss, (double) total / examples, examples, correct, seen);
        }
    }

    static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
