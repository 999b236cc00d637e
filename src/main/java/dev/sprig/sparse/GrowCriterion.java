package dev.sprig.sparse;

/**
 * Which inactive connections a dynamic sparse method regrows (jaxpruner's grow score): a score per
 * position of a layer, the highest-scoring inactive positions grow first. One object serves every
 * execution path: the engine's masked-dense path hands it the dense gradient of a layer, the CSR
 * path the same gradient a block of rows at a time, so both grow the same connections.
 *
 * <p>A new criterion is one class implementing this interface plus one registration ({@link
 * SparseMethods#dynamic}); the built-in ones are {@link RandomGrow} (SET), {@link GradientGrow}
 * (RigL) and {@link MomentumGrow} (SNFS).
 */
public interface GrowCriterion {
    /**
     * What a criterion needs of the dense weight gradient, which sparse training does not otherwise
     * compute.
     */
    enum GradientUse {
        /** No gradient (SET). */
        NONE,
        /** The dense gradient of the update step's batch (RigL). */
        ON_UPDATE,
        /** The dense gradient of every step, folded into per-weight state (SNFS). */
        EVERY_STEP
    }

    /** Scores (or gradients) of consecutive blocks of rows of one layer, row-major. */
    interface RowScores {
        /**
         * Returns the values of rows [from, to), {@code (to − from) × cols} floats. Callers ask for
         * blocks in increasing order, each once.
         *
         * @param from first row
         * @param to one past the last row
         * @return the values
         */
        float[] rows(int from, int to);
    }

    /**
     * What a criterion may read when it scores one layer at one update.
     *
     * @param layerIndex the layer's position among the prunable layers
     * @param rows output units (rows of the weight matrix as the CSR path stores it)
     * @param cols inputs per unit; rows × cols is the layer's weight count
     * @param step the global step of the update
     * @param seeds the run's seed stream (derive with purpose, step and layer index)
     * @param gradient the layer's dense gradient of this step, or null unless {@link
     *     GradientUse#ON_UPDATE}
     * @param state the criterion's per-weight state ({@link #stateFloats()} per weight), or null
     */
    record Input(
            int layerIndex,
            int rows,
            int cols,
            long step,
            dev.sprig.SeedStream seeds,
            RowScores gradient,
            float[] state) {}

    /**
     * Returns what the criterion needs of the dense gradient; it decides what a step is charged in
     * the FLOPs ledger.
     *
     * @return the gradient use
     */
    GradientUse gradientUse();

    /**
     * Returns how many floats of state the criterion keeps per weight (checkpointed with the run).
     *
     * @return 0 for stateless criteria
     */
    default int stateFloats() {
        return 0;
    }

    /**
     * Folds a block of a layer's dense gradient into the state, every step ({@link
     * GradientUse#EVERY_STEP} only).
     *
     * @param state the layer's state
     * @param offset index of the block's first weight
     * @param gradient the block's gradient values
     */
    default void accumulate(float[] state, int offset, float[] gradient) {}

    /**
     * Returns the growth scores of one layer at one update; higher |score| grows first, ties by
     * lower index.
     *
     * @param in the layer, step and inputs
     * @return scores, read block by block in increasing row order
     */
    RowScores scores(Input in);
}
