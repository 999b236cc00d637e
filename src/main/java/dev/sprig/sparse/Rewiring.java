package dev.sprig.sparse;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One drop-and-grow update of one layer: the one implementation every execution path uses, so that
 * the engine's masked-dense path and the CSR path pick the same connections.
 *
 * <p>As in {@code google-research/rigl} ({@code sparse_optimizers_base.py}): drop the {@code n}
 * stored weights of lowest {@link DropCriterion} score, then grow the {@code n} best-scoring
 * positions ({@link GrowCriterion}) among all that are not kept, so a connection dropped and
 * regrown in the same update keeps its value and momentum unless {@code reinitWhenSame}; new
 * connections start at zero (or N(0, σ²) with σ the standard deviation of the layer's stored
 * weights) with zero momentum. Ties break by lower position. The stored count never changes.
 *
 * <p>Growth scores arrive a block of rows at a time, so the dense score matrix of a layer never
 * exists whole: that is what lets RigL run on layers whose dense gradient would not fit in memory.
 */
public final class Rewiring {
    /** A layer as the update sees it: its shape and its stored connections in position order. */
    public interface Layer {
        /**
         * Returns the rows (output units).
         *
         * @return rows
         */
        int rows();

        /**
         * Returns the columns (inputs per unit).
         *
         * @return columns
         */
        int cols();

        /**
         * Returns the stored positions ({@code row × cols + col}), ascending.
         *
         * @return positions
         */
        long[] positions();

        /**
         * Returns the stored values, in position order.
         *
         * @return values
         */
        float[] values();

        /**
         * Returns the optimiser's momentum of the stored values, in position order.
         *
         * @return momentum
         */
        float[] velocity();

        /**
         * Replaces the stored connections.
         *
         * @param positions new positions, ascending
         * @param values their values
         * @param velocity their momentum
         */
        void setStructure(long[] positions, float[] values, float[] velocity);
    }

    /** Largest score block held at once, in floats. */
    public static final int BLOCK_FLOATS = 1 << 24;

    private Rewiring() {}

    /**
     * Rewires a layer in place.
     *
     * @param layer the layer
     * @param nDrop how many connections to drop and regrow
     * @param drop drop criterion (scores of the stored values)
     * @param scores growth scores, read block by block in row order
     * @param reinitWhenSame whether a dropped-and-regrown connection restarts as new
     * @param initRandom source of N(0, σ²) values for new connections; null for zero init
     * @return the new connections and how many active positions the update moved
     */
    public static Result rewire(
            Layer layer,
            int nDrop,
            DropCriterion drop,
            GrowCriterion.RowScores scores,
            boolean reinitWhenSame,
            SplittableRandom initRandom) {
        long[] positions = layer.positions();
        float[] values = layer.values();
        float[] velocity = layer.velocity();
        int nnz = positions.length;
        boolean[] all = new boolean[nnz];
        Arrays.fill(all, true);
        boolean[] dropped = new boolean[nnz];
        for (int k : TopK.smallest(drop.scores(values), all, nDrop)) {
            dropped[k] = true;
        }
        all = null;
        long[] kept = new long[nnz - nDrop];
        int nk = 0;
        for (int k = 0; k < nnz; k++) {
            if (!dropped[k]) {
                kept[nk++] = positions[k];
            }
        }
        int cols = layer.cols();
        int rows = layer.rows();
        StreamingTopK best = new StreamingTopK(nDrop);
        int blockRows = Math.max(1, Math.min(rows, BLOCK_FLOATS / cols));
        int keptAt = 0;
        for (int from = 0; from < rows; from += blockRows) {
            int to = Math.min(rows, from + blockRows);
            float[] s = scores.rows(from, to);
            long base = (long) from * cols;
            long end = (long) to * cols;
            for (long p = base; p < end; p++) {
                if (keptAt < nk && kept[keptAt] == p) {
                    keptAt++;
                    continue;
                }
                best.offer(TopK.key(s[(int) (p - base)], p, true));
            }
        }
        long[] grown = best.result();
        for (int i = 0; i < grown.length; i++) {
            grown[i] = TopK.index(grown[i]);
        }
        Arrays.sort(grown);

        double std = 0;
        if (initRandom != null) {
            double sum = 0;
            double sq = 0;
            for (float v : values) {
                sum += v;
                sq += (double) v * v;
            }
            std = nnz == 0 ? 0 : Math.sqrt(Math.max(0, sq / nnz - (sum / nnz) * (sum / nnz)));
        }
        long[] nextPos = new long[nnz];
        float[] nextVal = new float[nnz];
        float[] nextVel = new float[nnz];
        long[] fresh = new long[nDrop];
        int nFresh = 0;
        int same = 0;
        int a = 0; // into positions (old storage, sorted)
        int g = 0; // into grown
        for (int out = 0; out < nnz; out++) {
            while (a < nnz && dropped[a] && (g >= grown.length || positions[a] < grown[g])) {
                a++; // dropped and not regrown
            }
            boolean takeOld =
                    a < nnz && !dropped[a] && (g >= grown.length || positions[a] < grown[g]);
            if (takeOld) {
                nextPos[out] = positions[a];
                nextVal[out] = values[a];
                nextVel[out] = velocity[a];
                a++;
                continue;
            }
            long p = grown[g++];
            nextPos[out] = p;
            boolean regrownSame = a < nnz && positions[a] == p;
            if (regrownSame) {
                a++;
                same++;
            }
            if (regrownSame && !reinitWhenSame) {
                nextVal[out] = values[a - 1];
                nextVel[out] = velocity[a - 1];
            } else {
                nextVal[out] = initRandom == null ? 0f : (float) (initRandom.nextGaussian() * std);
                fresh[nFresh++] = p;
            }
        }
        layer.setStructure(nextPos, nextVal, nextVel);
        return new Result(Arrays.copyOf(fresh, nFresh), grown.length - same);
    }

    /**
     * What one rewiring did.
     *
     * @param fresh positions of the connections that start as new (zero or re-initialised),
     *     ascending: the grown ones, and the regrown-in-place ones when they restart as new
     * @param moved grown connections at positions that were not active before the update
     */
    public record Result(long[] fresh, int moved) {}
}
