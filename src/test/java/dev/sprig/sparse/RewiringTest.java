package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** One RigL drop-and-grow update, worked out by hand on a 2 x 3 layer. */
class RewiringTest {
    /** A stored layer the update rewrites. */
    static final class Stored implements Rewiring.Layer {
        final int rows;
        final int cols;
        long[] positions;
        float[] values;
        float[] velocity;

        Stored(int rows, int cols, long[] positions, float[] values, float[] velocity) {
            this.rows = rows;
            this.cols = cols;
            this.positions = positions;
            this.values = values;
            this.velocity = velocity;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public int cols() {
            return cols;
        }

        @Override
        public long[] positions() {
            return positions;
        }

        @Override
        public float[] values() {
            return values;
        }

        @Override
        public float[] velocity() {
            return velocity;
        }

        @Override
        public void setStructure(long[] p, float[] v, float[] m) {
            positions = p;
            values = v;
            velocity = m;
        }
    }

    /** Positions 0, 2, 4, 5 of a 2 x 3 layer hold 0.1, -0.5, 0.05, 0.9 (momentum 1, 2, 3, 4). */
    private static Stored layer() {
        return new Stored(
                2,
                3,
                new long[] {0, 2, 4, 5},
                new float[] {0.1f, -0.5f, 0.05f, 0.9f},
                new float[] {1, 2, 3, 4});
    }

    /** Growth scores, handed out by rows as a real layer's gradient is. */
    private static GrowCriterion.RowScores scores(float... s) {
        return (from, to) -> Arrays.copyOfRange(s, from * 3, to * 3);
    }

    @Test
    void dropsTheSmallestMagnitudesAndGrowsTheBestScoresAmongTheRest() {
        // Drop 2: |0.05| (position 4) and |0.1| (position 0). Grow 2 among positions not kept
        // (0, 1, 3, 4) by score 0.3, 0.8, 0.7, 0.2: positions 1 and 3, at zero with zero momentum.
        Stored l = layer();
        Rewiring.Result r =
                Rewiring.rewire(
                        l,
                        2,
                        DropCriterion.magnitude(),
                        scores(0.3f, 0.8f, 9f, 0.7f, 0.2f, 9f),
                        false,
                        null);
        assertThat(l.positions).containsExactly(1, 2, 3, 5);
        assertThat(l.values).containsExactly(0f, -0.5f, 0f, 0.9f);
        assertThat(l.velocity).containsExactly(0f, 2f, 0f, 4f);
        assertThat(r.fresh()).containsExactly(1, 3);
        assertThat(r.moved()).isEqualTo(2);
    }

    @Test
    void aDroppedConnectionRegrownKeepsItsValueUnlessReinitialised() {
        // Position 4 (dropped) has the best score: regrown the same, it keeps 0.05 and momentum 3.
        float[] s = {0.3f, 0.8f, 9f, 0.1f, 5f, 9f};
        Stored kept = layer();
        Rewiring.Result r =
                Rewiring.rewire(kept, 2, DropCriterion.magnitude(), scores(s), false, null);
        assertThat(kept.positions).containsExactly(1, 2, 4, 5);
        assertThat(kept.values).containsExactly(0f, -0.5f, 0.05f, 0.9f);
        assertThat(kept.velocity).containsExactly(0f, 2f, 3f, 4f);
        assertThat(r.fresh()).containsExactly(1);
        // One of the two grown positions (4) was active before: one connection moved.
        assertThat(r.moved()).isEqualTo(1);
        Stored renewed = layer();
        Rewiring.Result all =
                Rewiring.rewire(renewed, 2, DropCriterion.magnitude(), scores(s), true, null);
        assertThat(renewed.values).containsExactly(0f, -0.5f, 0f, 0.9f);
        assertThat(renewed.velocity).containsExactly(0f, 2f, 0f, 4f);
        assertThat(all.fresh()).containsExactly(1, 4);
        assertThat(all.moved()).isEqualTo(1); // restarting in place is not a move
    }

    @Test
    void newConnectionsDrawFromTheLayersOwnSpread() {
        // The stored values' population deviation: mean 0.1375, mean square 0.268125, variance
        // 0.24921875, sigma 0.4992181.
        Stored l = layer();
        Rewiring.rewire(
                l,
                2,
                DropCriterion.magnitude(),
                scores(0.3f, 0.8f, 9f, 0.7f, 0.2f, 9f),
                false,
                new SplittableRandom(5));
        SplittableRandom same = new SplittableRandom(5);
        double sigma = Math.sqrt(0.24921875);
        assertThat((double) l.values[0]).isCloseTo(same.nextGaussian() * sigma, within(1e-6));
        assertThat((double) l.values[2]).isCloseTo(same.nextGaussian() * sigma, within(1e-6));
        assertThat(l.values[1]).isEqualTo(-0.5f);
        assertThat(l.velocity[0]).isZero();
    }

    @Test
    void tiesBreakByTheLowerPositionOnBothSides() {
        // Equal magnitudes: position 0 drops before 5; equal scores: position 1 grows before 3.
        Stored l =
                new Stored(
                        2,
                        3,
                        new long[] {0, 2, 5},
                        new float[] {0.2f, 0.9f, -0.2f},
                        new float[] {1, 2, 3});
        Rewiring.rewire(
                l, 1, DropCriterion.magnitude(), scores(0f, 0.5f, 0f, 0.5f, 0f, 0f), false, null);
        assertThat(l.positions).containsExactly(1, 2, 5);
        assertThat(l.values).containsExactly(0f, 0.9f, -0.2f);
    }
}
