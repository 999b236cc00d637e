package dev.sprig.sparse;

/**
 * Which active connections a dynamic sparse method drops (jaxpruner's drop score): the active
 * weights of smallest |score| go first, ties by lower index. Shared by every execution path.
 */
public interface DropCriterion {
    /**
     * Returns the drop scores of a layer's weights (lower |score| drops first).
     *
     * @param weights the layer's weights (dense, or the stored values of the CSR path)
     * @return one score per weight, same order
     */
    float[] scores(float[] weights);

    /**
     * Drop by magnitude, as SET, SNFS and RigL do.
     *
     * @return the criterion
     */
    static DropCriterion magnitude() {
        return weights -> weights;
    }
}
