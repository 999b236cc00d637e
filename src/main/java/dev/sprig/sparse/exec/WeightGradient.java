package dev.sprig.sparse.exec;

/**
 * A layer's weight gradient at every position, stored or not, from the last backward pass: what
 * RigL's growth criterion reads on update steps (and SNFS's on every step), a block of rows at a
 * time so that a wide layer never needs its whole dense gradient at once.
 */
interface WeightGradient extends AutoCloseable {
    /**
     * Returns the gradient of rows {@code [from, to)}.
     *
     * @param from first row
     * @param to one past the last row
     * @return {@code (to − from) × cols}, row-major
     */
    float[] rows(int from, int to);

    @Override
    void close();
}
