package dev.sprig.sparse;

import java.util.Arrays;

/**
 * Exact, deterministic selection of the k best candidates by a non-negative score; ties break by
 * lower index, so the same scores always give the same set.
 *
 * <p>Scores and indices are packed into one {@code long} per candidate (the IEEE bits of a
 * non-negative float order like the float), so a primitive sort does the work.
 */
public final class TopK {
    private TopK() {}

    /**
     * Picks the k candidates with the smallest scores.
     *
     * @param scores score per position (non-negative; NaN counts as largest)
     * @param candidate which positions may be picked
     * @param k how many to pick
     * @return the picked positions
     */
    public static int[] smallest(float[] scores, boolean[] candidate, int k) {
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
    public static int[] largest(float[] scores, boolean[] candidate, int k) {
        return pick(scores, candidate, k, true);
    }

    /**
     * The sort key of one candidate: ascending keys are best-first (largest or smallest |score|),
     * ties by lower index. Exposed so that streaming selections over layers too large for one array
     * pick exactly what {@link #largest} would.
     *
     * @param score the score (its magnitude counts; NaN ranks as largest)
     * @param index position, in [0, 2³²)
     * @param largest whether larger magnitudes rank first
     * @return the key
     */
    public static long key(float score, long index, boolean largest) {
        float s = Math.abs(score);
        int bits = Float.isNaN(s) ? Integer.MAX_VALUE : Float.floatToIntBits(s);
        long ordered = largest ? (long) Integer.MAX_VALUE - bits : bits;
        return (ordered << 32) | index;
    }

    /**
     * Recovers the position from a key.
     *
     * @param key a key from {@link #key}
     * @return the index
     */
    public static long index(long key) {
        return key & 0xFFFFFFFFL;
    }

    /**
     * Moves the k smallest keys into {@code keys[0, k)} in linear expected time (quickselect with
     * median-of-three pivots; keys are distinct, their index being part of them). A mask update
     * picks a few thousand of a layer's hundreds of thousands of candidates, so sorting them all
     * would cost most of the update. Falls back to a sort of the remaining range after 2·log₂ n
     * rounds, which bounds the worst case.
     */
    static void selectSmallest(long[] keys, int k) {
        int lo = 0;
        int hi = keys.length - 1;
        int rounds = 2 * (32 - Integer.numberOfLeadingZeros(keys.length));
        while (hi > lo && k > lo && k <= hi) {
            if (rounds-- == 0) {
                Arrays.sort(keys, lo, hi + 1);
                return;
            }
            int mid = (lo + hi) >>> 1;
            long pivot = medianOfThree(keys[lo], keys[mid], keys[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (keys[i] < pivot) {
                    i++;
                }
                while (keys[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = keys[i];
                    keys[i] = keys[j];
                    keys[j] = t;
                    i++;
                    j--;
                }
            }
            // keys[lo..j] <= pivot <= keys[i..hi]; the k-th smallest (index k - 1) lies in one
            // part.
            if (k - 1 <= j) {
                hi = j;
            } else if (k - 1 >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
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
                keys[j++] = key(scores[i], i, largest);
            }
        }
        selectSmallest(keys, k);
        Arrays.sort(keys, 0, k);
        int[] out = new int[k];
        for (int t = 0; t < k; t++) {
            out[t] = (int) (keys[t] & 0xFFFFFFFFL);
        }
        return out;
    }
}
