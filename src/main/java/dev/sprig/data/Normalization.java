package dev.sprig.data;

/**
 * Per-channel affine normalisation \( x' = (x/255 - \mu_c)/\sigma_c \).
 *
 * @param mean per-channel mean of pixels in [0, 1]
 * @param std per-channel standard deviation
 */
public record Normalization(float[] mean, float[] std) {
    /** Validates that mean and std have one positive value per channel. */
    public Normalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std must have one value per channel");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be positive, got " + s);
            }
        }
    }

    /**
     * Builds the 256-entry lookup table of one channel, so filling a batch costs one load per
     * pixel.
     *
     * @param channel channel index
     * @return normalised value for every byte value
     */
    public float[] table(int channel) {
        float[] t = new float[256];
        for (int v = 0; v < 256; v++) {
            t[v] = (v / 255f - mean[channel]) / std[channel];
        }
        return t;
    }
}
