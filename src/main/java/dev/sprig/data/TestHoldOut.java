package dev.sprig.data;

import dev.sprig.SeedStream;

/**
 * Picks the test examples of a data set that comes as one collection (an image folder without
 * {@code val/}, one CSV file): a fixed fraction of each class, by permutations drawn from a seed of
 * their own, so every run and every seed of a sweep tests on the same examples.
 */
final class TestHoldOut {
    /** Fraction of each class held out as the test set. */
    static final double FRACTION = 0.2;

    private TestHoldOut() {}

    /**
     * Marks the held-out examples: round(FRACTION · n) of each class of n, at least one when the
     * class has two or more, none when it has one.
     *
     * @param labels class of each example
     * @param classes number of classes
     * @param purpose names the data kind in the seed, e.g. {@code folder}
     * @return true for each test example
     */
    static boolean[] mask(int[] labels, int classes, String purpose) {
        boolean[] held = new boolean[labels.length];
        for (int c = 0; c < classes; c++) {
            int count = 0;
            for (int l : labels) {
                count += l == c ? 1 : 0;
            }
            int[] members = new int[count];
            int k = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members[k++] = i;
                }
            }
            int out = count < 2 ? 0 : Math.max(1, (int) Math.round(count * FRACTION));
            int[] perm =
                    DataSplits.permutation(count, new SeedStream(0).derive(purpose + "-test", c));
            for (int j = 0; j < out; j++) {
                held[members[perm[j]]] = true;
            }
        }
        return held;
    }
}
