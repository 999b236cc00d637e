package dev.sprig.ensemble;

import java.util.List;

/**
 * How differently the members of an ensemble predict: the reason an ensemble beats its members.
 * FreeTickets reports prediction disagreement (Fort et al., "Deep Ensembles: A Loss Landscape
 * Perspective", arXiv 1912.02757) and the KL divergence between members' predictive distributions.
 *
 * <p>Differs from FreeTickets' {@code ensemble_freetickets.py}: it averages KL over the ordered
 * pairs of the first three members only and adds 0.001 to every non-zero disagreement; Sprig
 * averages over all pairs and adds nothing.
 */
public final class Diversity {
    private Diversity() {}

    /**
     * Mean over unordered member pairs of the fraction of examples on which their top classes
     * differ.
     *
     * @param members predictions of at least two members on the same examples
     * @return disagreement in [0, 1]
     */
    public static double disagreement(List<Predictions> members) {
        requirePairs(members);
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < members.size(); i++) {
            for (int j = i + 1; j < members.size(); j++) {
                Predictions a = members.get(i);
                Predictions b = members.get(j);
                long differ = 0;
                for (int n = 0; n < a.size(); n++) {
                    if (a.predicted(n) != b.predicted(n)) {
                        differ++;
                    }
                }
                sum += (double) differ / a.size();
                pairs++;
            }
        }
        return sum / pairs;
    }

    /**
     * Mean over ordered member pairs (i, j), i ≠ j, of the per-example mean \( \mathrm{KL}(p_i \|
     * p_j) = \sum_c p_{ic} (\log p_{ic} - \log p_{jc}) \).
     *
     * @param members predictions of at least two members on the same examples
     * @return mean KL divergence in nats
     */
    public static double kl(List<Predictions> members) {
        requirePairs(members);
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < members.size(); i++) {
            for (int j = 0; j < members.size(); j++) {
                if (i == j) {
                    continue;
                }
                float[] p = members.get(i).probabilities();
                float[] q = members.get(j).probabilities();
                double kl = 0;
                for (int k = 0; k < p.length; k++) {
                    if (p[k] > 0) {
                        kl +=
                                p[k]
                                        * (Math.log(p[k])
                                                - Math.log(
                                                        Math.max(
                                                                Predictions.MIN_PROBABILITY,
                                                                q[k])));
                    }
                }
                sum += kl / members.get(i).size();
                pairs++;
            }
        }
        return sum / pairs;
    }

    private static void requirePairs(List<Predictions> members) {
        if (members.size() < 2) {
            throw new IllegalArgumentException(
                    "diversity needs at least two members, got " + members.size());
        }
    }
}
