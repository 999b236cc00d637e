package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Hand-worked selection table, after jaxpruner's 8-element RigL example. */
class TopKTest {
    private static final float[] W = {0.5f, -0.1f, 0f, 0.9f, -0.3f, 0.3f, 0f, 0.2f};
    private static final boolean[] ACTIVE = {true, true, false, true, true, true, false, true};

    @Test
    void dropsSmallestMagnitudesAmongActiveWithIndexTieBreak() {
        assertThat(TopK.smallest(W, ACTIVE, 1)).containsExactly(1);
        assertThat(TopK.smallest(W, ACTIVE, 3))
                .containsExactly(1, 7, 4); // |−0.3| ties 0.3: lower index first
        assertThat(TopK.smallest(W, ACTIVE, 4)).containsExactly(1, 7, 4, 5);
    }

    @Test
    void growsLargestScoresAmongCandidates() {
        float[] g = {9, 0.5f, 0.7f, 9, 0.1f, 0.1f, -0.7f, 0};
        boolean[] inactive = {false, true, true, false, true, true, true, true};
        assertThat(TopK.largest(g, inactive, 2)).containsExactly(2, 6); // |−0.7| ties 0.7
        assertThat(TopK.largest(g, inactive, 4)).containsExactly(2, 6, 1, 4);
    }

    @Test
    void selectionKeepsExactlyTheKSmallestKeysWhateverTheInputOrder() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int n : new int[] {1, 2, 3, 10, 1000, 50_000}) {
            long[] random = r.longs(n).distinct().toArray();
            long[] ascending = random.clone();
            java.util.Arrays.sort(ascending);
            long[] descending = new long[ascending.length];
            for (int i = 0; i < ascending.length; i++) {
                descending[i] = ascending[ascending.length - 1 - i];
            }
            for (long[] input : new long[][] {random, ascending, descending}) {
                for (int k : new int[] {0, 1, input.length / 3, input.length - 1, input.length}) {
                    if (k < 0) {
                        continue;
                    }
                    long[] a = input.clone();
                    TopK.selectSmallest(a, k);
                    long[] got = java.util.Arrays.copyOf(a, k);
                    java.util.Arrays.sort(got);
                    assertThat(got)
                            .as("n=%d k=%d", input.length, k)
                            .containsExactly(java.util.Arrays.copyOf(ascending, k));
                    // a permutation: nothing lost or duplicated
                    java.util.Arrays.sort(a);
                    assertThat(a).isEqualTo(ascending);
                }
            }
        }
    }
}
