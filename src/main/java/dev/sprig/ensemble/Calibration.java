package dev.sprig.ensemble;

import java.util.ArrayList;
import java.util.List;

/**
 * Expected calibration error over equal-width confidence bins, and the bins themselves for a
 * reliability diagram (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017). \(
 * \mathrm{ECE} = \sum_b \frac{|B_b|}{N} |\mathrm{acc}(B_b) - \mathrm{conf}(B_b)| \), bin b holding
 * the confidences in \( (b/B, (b+1)/B] \) (confidence 0 falls in the first bin).
 *
 * <p>Differs from FreeTickets' {@code ensemble_freetickets.py}: its edges are {@code linspace(0, 1,
 * 15)}, 14 intervals and a bin for 0, although it calls them 15 bins; Sprig uses B true equal-width
 * bins (15 by default), the paper's intent.
 */
public final class Calibration {
    /** Default bin count: FreeTickets' {@code num_bins=15}. */
    public static final int DEFAULT_BINS = 15;

    private Calibration() {}

    /**
     * One bin of a reliability diagram.
     *
     * @param lower lower edge (exclusive except for the first bin)
     * @param upper upper edge (inclusive)
     * @param count examples in the bin
     * @param confidence mean confidence in the bin (0 when empty)
     * @param accuracy accuracy in the bin (0 when empty)
     */
    public record Bin(double lower, double upper, long count, double confidence, double accuracy) {}

    /**
     * Sorts predictions into bins.
     *
     * @param p predictions
     * @param bins number of equal-width bins
     * @return the bins, lowest confidence first
     */
    public static List<Bin> reliability(Predictions p, int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be at least 1, got " + bins);
        }
        long[] count = new long[bins];
        double[] conf = new double[bins];
        long[] correct = new long[bins];
        for (int n = 0; n < p.size(); n++) {
            double c = p.confidence(n);
            int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(c * bins) - 1));
            count[b]++;
            conf[b] += c;
            if (p.predicted(n) == p.labels()[n]) {
                correct[b]++;
            }
        }
        List<Bin> out = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            out.add(
                    new Bin(
                            (double) b / bins,
                            (double) (b + 1) / bins,
                            count[b],
                            count[b] == 0 ? 0 : conf[b] / count[b],
                            count[b] == 0 ? 0 : (double) correct[b] / count[b]));
        }
        return out;
    }

    /**
     * Computes the expected calibration error.
     *
     * @param p predictions
     * @param bins number of equal-width bins
     * @return ECE in [0, 1]
     */
    public static double ece(Predictions p, int bins) {
        double sum = 0;
        for (Bin b : reliability(p, bins)) {
            sum += b.count() * Math.abs(b.accuracy() - b.confidence());
        }
        return sum / p.size();
    }
}
