package dev.sprig.ensemble;

import java.util.List;

/**
 * Class probabilities of one model (or one ensemble) on a labelled set, and the proper scoring
 * rules computed from them. An ensemble's prediction is the mean of its members' softmax
 * probabilities, as FreeTickets' {@code ensemble_freetickets.py} averages them.
 *
 * @param probabilities row-major {@code N × classes}, each row summing to 1
 * @param classes number of classes
 * @param labels true class per example
 */
public record Predictions(float[] probabilities, int classes, int[] labels) {
    /**
     * Log of probabilities below this is clamped: a model that gives the true class exactly 0 gets
     * a large finite loss instead of infinity, so averages stay comparable.
     */
    public static final double MIN_PROBABILITY = 1e-12;

    /** Checks the shapes. */
    public Predictions {
        if (classes < 1 || probabilities.length != (long) labels.length * classes) {
            throw new IllegalArgumentException(
                    "expected "
                            + labels.length
                            + " × "
                            + classes
                            + " probabilities, got "
                            + probabilities.length);
        }
    }

    /**
     * @return number of examples
     */
    public int size() {
        return labels.length;
    }

    /**
     * @param n example
     * @return the class of highest probability (lowest index on ties)
     */
    public int predicted(int n) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (probabilities[n * classes + c] > probabilities[n * classes + best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * @param n example
     * @return the highest class probability (the confidence)
     */
    public double confidence(int n) {
        return probabilities[n * classes + predicted(n)];
    }

    /**
     * @return the fraction of examples whose most probable class is the label
     */
    public double accuracy() {
        long correct = 0;
        for (int n = 0; n < size(); n++) {
            if (predicted(n) == labels[n]) {
                correct++;
            }
        }
        return (double) correct / size();
    }

    /**
     * @return mean negative log-likelihood of the labels, \( -\frac{1}{N}\sum_n \log p_n(y_n) \)
     */
    public double nll() {
        double sum = 0;
        for (int n = 0; n < size(); n++) {
            sum -= Math.log(Math.max(MIN_PROBABILITY, probabilities[n * classes + labels[n]]));
        }
        return sum / size();
    }

    /**
     * @return mean Brier score, \( \frac{1}{N}\sum_n \sum_c (p_{nc} - [y_n = c])^2 \)
     */
    public double brier() {
        double sum = 0;
        for (int n = 0; n < size(); n++) {
            for (int c = 0; c < classes; c++) {
                double d = probabilities[n * classes + c] - (labels[n] == c ? 1 : 0);
                sum += d * d;
            }
        }
        return sum / size();
    }

    /**
     * @return per example, the highest probability (high = in-distribution)
     */
    public double[] maxProbability() {
        double[] s = new double[size()];
        for (int n = 0; n < s.length; n++) {
            s[n] = confidence(n);
        }
        return s;
    }

    /**
     * @return per example, the predictive entropy in nats (high = uncertain)
     */
    public double[] entropy() {
        double[] s = new double[size()];
        for (int n = 0; n < s.length; n++) {
            double e = 0;
            for (int c = 0; c < classes; c++) {
                double p = probabilities[n * classes + c];
                if (p > 0) {
                    e -= p * Math.log(p);
                }
            }
            s[n] = e;
        }
        return s;
    }

    /**
     * Averages members' probabilities.
     *
     * @param members predictions of each member on the same examples
     * @return the ensemble's predictions
     */
    public static Predictions mean(List<Predictions> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one member");
        }
        Predictions first = members.get(0);
        float[] sum = new float[first.probabilities.length];
        for (Predictions m : members) {
            if (m.probabilities.length != sum.length
                    || !java.util.Arrays.equals(m.labels, first.labels)) {
                throw new IllegalArgumentException(
                        "ensemble members were evaluated on different examples");
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += m.probabilities[i];
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= members.size();
        }
        return new Predictions(sum, first.classes, first.labels);
    }
}
