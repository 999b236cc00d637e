package dev.sprig.sparse.exec;

import dev.sprig.sparse.DropCriterion;
import dev.sprig.sparse.GrowCriterion;
import dev.sprig.sparse.TopK;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One drop-and-grow update of a {@link CsrLayer}, with the semantics of
 * {@code DynamicSparseUpdater}, and the same drop and grow criteria, so that both paths pick the
 * same connections: drop the {@code n} stored weights of lowest drop score, grow the {@code n} best-scoring positions among
 * all that are not kept (a connection dropped and regrown keeps its value and momentum unless
 * {@code reinit_when_same}), new connections start at zero (or N(0, σ²) of the layer's weights)
 * with zero momentum. The stored count never changes.
 *
 * <p>Scores arrive a block of rows at a time, so the dense score matrix of a layer never exists
 * whole: that is what lets RigL run on layers whose dense gradient would not fit in memory.
 */
final class Rewiring {
    /** Largest score block held at once, in floats. */
    static final int BLOCK_FLOATS = 1 << 24;

    private Rewiring() {}

    /**
     * Rewires a layer in place.
     *
     * @param layer the layer
     * @param nDrop how many connections to drop and regrow
     * @param drop drop criterion (scores of the stored values)
     * @param scores growth scores
     * @param reinitWhenSame whether a dropped-and-regrown connection restarts as new
     * @param initRandom source of N(0, σ²) values for new connections; null for zero init
     * @return the number of new connections
     */
    static int rewire(CsrLayer layer, int nDrop, DropCriterion drop, GrowCriterion.RowScores scores, boolean reinitWhenSame,
            SplittableRandom initRandom) {
        int nnz = layer.nnz();
        float[] values = layer.values();
        float[] velocity = layer.velocity();
        long[] positions = layer.positions();
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
        int fresh = 0;
        int a = 0; // into positions (old storage, sorted)
        int g = 0; // into grown
        for (int out = 0; out < nnz; out++) {
            while (a < nnz && dropped[a] && (g >= grown.length || positions[a] < grown[g])) {
                a++; // dropped and not regrown
            }
            boolean takeOld = a < nnz && !dropped[a] && (g >= grown.length || positions[a] < grown[g]);
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
            }
            if (regrownSame && !reinitWhenSame) {
                nextVal[out] = values[a - 1];
                nextVel[out] = velocity[a - 1];
            } else {
                nextVal[out] = initRandom == null ? 0f : (float) (initRandom.nextGaussian() * std);
                fresh++;
            }
        }
        layer.setStructure(nextPos, nextVal, nextVel);
        return fresh;
    }
}
