package dev.sprig.earlybird;

import java.util.SplittableRandom;

/**
 * Block floating point with stochastic rounding, the number format of Early-Bird's low-precision
 * search ("EB Train LL": qtorch {@code BlockFloatingPoint(wl=8, dim=0)}). Every block (one output
 * channel's slice along dimension 0) shares one exponent, that of its largest magnitude; each value
 * keeps a {@code wl}-bit signed mantissa on the grid {@code 2^(e − wl + 2)}, so the largest value
 * lands in the top of the mantissa range. Stochastic rounding rounds up with probability equal to
 * the remainder, which makes the quantiser unbiased: E[q(x)] = x for values inside the range, and
 * |q(x) − x| is below one grid step.
 */
public final class BlockFloatingPoint {
    private final int wordLength;

    /**
     * Creates the format.
     *
     * @param wordLength bits of the signed mantissa (8 for the paper's LL variant), 2 to 24
     */
    public BlockFloatingPoint(int wordLength) {
        if (wordLength < 2 || wordLength > 24) {
            throw new IllegalArgumentException("word length must be in [2, 24], got " + wordLength);
        }
        this.wordLength = wordLength;
    }

    /**
     * Returns the grid step of a block whose largest magnitude is {@code max}.
     *
     * @param max largest |x| of the block
     * @return the step, 0 for an all-zero block
     */
    public float step(float max) {
        if (max == 0 || !Float.isFinite(max)) {
            return 0;
        }
        int e = Math.getExponent(max);
        return (float) Math.scalb(1.0, e - wordLength + 2);
    }

    /**
     * Quantises values in place, block by block.
     *
     * @param v values, row-major with dimension 0 outermost
     * @param blocks number of blocks (the size of dimension 0; 1 for one shared exponent)
     * @param random source of the rounding noise
     */
    public void quantize(float[] v, int blocks, SplittableRandom random) {
        if (blocks < 1 || v.length % blocks != 0) {
            throw new IllegalArgumentException(
                    v.length + " values do not split into " + blocks + " blocks");
        }
        int size = v.length / blocks;
        float top = (float) ((1 << (wordLength - 1)) - 1);
        float bottom = -(float) (1 << (wordLength - 1));
        for (int b = 0; b < blocks; b++) {
            int from = b * size;
            float max = 0;
            for (int i = from; i < from + size; i++) {
                max = Math.max(max, Math.abs(v[i]));
            }
            float step = step(max);
            if (step == 0) {
                continue;
            }
            for (int i = from; i < from + size; i++) {
                double scaled = v[i] / step;
                double q = Math.floor(scaled + random.nextDouble());
                v[i] = (float) (Math.max(bottom, Math.min(top, q)) * step);
            }
        }
    }
}
