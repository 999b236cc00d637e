package dev.sprig.ensemble;

import java.util.Arrays;

/**
 * Out-of-distribution detection quality: the area under the ROC curve of a score that should be
 * higher on in-distribution inputs. The FreeTickets code loads OoD sets but has no AUROC code
 * (anchors §4.3); Sprig uses the two standard scores, the maximum softmax probability (Hendrycks
 * and Gimpel, arXiv 1610.02136) and the negative predictive entropy.
 */
public final class OodDetection {
    private OodDetection() {}

    /**
     * AUROC as the Mann–Whitney statistic: the probability that a random in-distribution example
     * scores higher than a random OoD one, ties counting one half.
     *
     * @param in scores of in-distribution examples
     * @param out scores of out-of-distribution examples
     * @return AUROC in [0, 1]; 0.5 is chance
     */
    public static double auroc(double[] in, double[] out) {
        if (in.length == 0 || out.length == 0) {
            throw new IllegalArgumentException("AUROC needs examples of both kinds");
        }
        int n = in.length + out.length;
        double[][] all = new double[n][];
        for (int i = 0; i < in.length; i++) {
            all[i] = new double[] {in[i], 1};
        }
        for (int i = 0; i < out.length; i++) {
            all[in.length + i] = new double[] {out[i], 0};
        }
        Arrays.sort(all, (a, b) -> Double.compare(a[0], b[0]));
        double rankSumIn = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && all[j + 1][0] == all[i][0]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1; // average rank of a tie block
            for (int k = i; k <= j; k++) {
                if (all[k][1] == 1) {
                    rankSumIn += rank;
                }
            }
            i = j + 1;
        }
        double u = rankSumIn - (double) in.length * (in.length + 1) / 2;
        return u / ((double) in.length * out.length);
    }

    /**
     * AUROC with the maximum probability as score.
     *
     * @param in predictions on in-distribution inputs
     * @param out predictions on OoD inputs
     * @return AUROC
     */
    public static double aurocMaxProbability(Predictions in, Predictions out) {
        return auroc(in.maxProbability(), out.maxProbability());
    }

    /**
     * AUROC with the negative entropy as score.
     *
     * @param in predictions on in-distribution inputs
     * @param out predictions on OoD inputs
     * @return AUROC
     */
    public static double aurocEntropy(Predictions in, Predictions out) {
        return auroc(negate(in.entropy()), negate(out.entropy()));
    }

    private static double[] negate(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = -v[i];
        }
        return r;
    }
}
