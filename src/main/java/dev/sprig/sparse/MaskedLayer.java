package dev.sprig.sparse;

/**
 * A masked dense layer seen as its stored connections, so that the engine path rewires with the
 * same {@link Rewiring} as the CSR path: positions are the mask's set indices, values and momentum
 * are gathered from the dense arrays, and the result is read back as a mask and a dense array.
 */
final class MaskedLayer implements Rewiring.Layer {
    private final int rows;
    private final int cols;
    private long[] positions;
    private float[] values;
    private float[] velocity;

    /**
     * Gathers a layer.
     *
     * @param rows output units
     * @param cols inputs per unit
     * @param mask active positions
     * @param weights dense weights
     * @param momentum dense momentum, or null before the optimiser's first step
     */
    MaskedLayer(int rows, int cols, boolean[] mask, float[] weights, float[] momentum) {
        this.rows = rows;
        this.cols = cols;
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        positions = new long[n];
        values = new float[n];
        velocity = new float[n];
        int k = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                positions[k] = i;
                values[k] = weights[i];
                velocity[k] = momentum == null ? 0f : momentum[i];
                k++;
            }
        }
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
    public void setStructure(long[] positions, float[] values, float[] velocity) {
        this.positions = positions;
        this.values = values;
        this.velocity = velocity;
    }

    /**
     * @return the active positions as a mask
     */
    boolean[] mask() {
        boolean[] m = new boolean[rows * cols];
        for (long p : positions) {
            m[(int) p] = true;
        }
        return m;
    }

    /**
     * @return the stored values scattered into a dense array, zero elsewhere
     */
    float[] dense() {
        float[] d = new float[rows * cols];
        for (int k = 0; k < positions.length; k++) {
            d[(int) positions[k]] = values[k];
        }
        return d;
    }
}
