package dev.sprig.sparse;

import java.util.Arrays;

/**
 * Exact, deterministic selection of the k best candidates by a non-negative score; ties break
 * by lower index, so the same scores always give the same set.
 *
 * <p>Scores and indices are packed into one {@code long} per candidate (the IEEE bits of a
 * non-negative float order like the float), so a primitive sort does the work.
 */
final class TopK {
    private TopK() {}

    /**
     * Picks the k candidates with the smallest scores.
     *
     * @param scores score per position (non-negative; NaN counts as largest)
     * @param candidate which positions may be picked
     * @param k how many to pick
     * @return the picked positions
     */
    static int[] smallest(float[] scores, boolean[] candidate, int k) {
        return pick(scores, candidate, k, false);
    }

    /**
     * Picks the k candidates with the largest scores.
     *
     * @param scores score per position (non-negative)
     * @param candidate which positions may be picked
     * @param k how many to pick
     * @return the picked positions
     */
    static int[] largest(float[] scores, boolean[] candidate, int k) {
        return pick(scores, candidate, k, true);
    }

    private static int[] pick(float[] scores, boolean[] candidate, int k, boolean largest) {
        int n = 0;
        for (boolean c : candidate) {
            if (c) {
                n++;
            }
        }
        if (k > n) {
            throw new IllegalArgumentException("cannot pick " + k + " of " + n + " candidates");
        }
        long[] keys = new long[n];
        int j = 0;
        for (int i = 0; i < scores.length; i++) {
            if (candidate[i]) {
                float s = Math.abs(scores[i]);
                int bits = Float.isNaN(s) ? Integer.MAX_VALUE : Float.floatToIntBits(s);
                long ordered = largest ? (long) Integer.MAX_VALUE - bits : bits;
                keys[j++] = (ordered << 32) | i;
            }
        }
        Arrays.sort(keys);
        int[] out = new int[k];
        for (int t = 0; t < k; t++) {
            out[t] = (int) (keys[t] & 0xFFFFFFFFL);
        }
        return out;
    }
}
