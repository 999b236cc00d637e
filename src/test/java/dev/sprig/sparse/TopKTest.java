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
        assertThat(TopK.smallest(W, ACTIVE, 3)).containsExactly(1, 7, 4); // |−0.3| ties 0.3: lower index first
        assertThat(TopK.smallest(W, ACTIVE, 4)).containsExactly(1, 7, 4, 5);
    }

    @Test
    void growsLargestScoresAmongCandidates() {
        float[] g = {9, 0.5f, 0.7f, 9, 0.1f, 0.1f, -0.7f, 0};
        boolean[] inactive = {false, true, true, false, true, true, true, true};
        assertThat(TopK.largest(g, inactive, 2)).containsExactly(2, 6); // |−0.7| ties 0.7
        assertThat(TopK.largest(g, inactive, 4)).containsExactly(2, 6, 1, 4);
    }
}
