package dev.sprig.earlybird;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BlockFloatingPointTest {
    private final BlockFloatingPoint bfp = new BlockFloatingPoint(8);

    @Test
    void valuesLandOnTheBlockGridWithinOneStep() {
        SplittableRandom r = new SplittableRandom(1);
        float[] v = new float[4 * 256];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, i / 256 - 2)); // blocks of very different scales
        }
        float[] q = v.clone();
        bfp.quantize(q, 4, new SplittableRandom(2));
        for (int b = 0; b < 4; b++) {
            float max = 0;
            for (int i = b * 256; i < (b + 1) * 256; i++) {
                max = Math.max(max, Math.abs(v[i]));
            }
            float step = bfp.step(max);
            // 8-bit mantissa: the block maximum uses the top of the range [-128, 127] steps.
            assertThat(max / step).isBetween(64f, 128f);
            for (int i = b * 256; i < (b + 1) * 256; i++) {
                assertThat(Math.abs(q[i] - v[i])).isLessThanOrEqualTo(step);
                double units = q[i] / step;
                assertThat(units).isEqualTo(Math.rint(units), within(1e-6));
                assertThat(units).isBetween(-128.0, 127.0);
            }
        }
    }

    @Test
    void stochasticRoundingIsUnbiased() {
        float x = 0.3337f;
        float[] block = {1.0f, x}; // step = 2^(0-6) = 1/64; x sits between two grid points
        double sum = 0;
        int n = 200_000;
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < n; k++) {
            float[] q = block.clone();
            bfp.quantize(q, 1, r);
            sum += q[1];
        }
        double step = 1.0 / 64;
        // Standard error of the mean is at most step / (2 sqrt(n)) ~ 1.7e-5; allow 5 of them.
        assertThat(sum / n).isCloseTo(x, within(5 * step / (2 * Math.sqrt(n))));
        float[] once = block.clone();
        bfp.quantize(once, 1, new SplittableRandom(4));
        assertThat(once[1]).isIn((float) (Math.floor(x / step) * step), (float) (Math.ceil(x / step) * step));
    }
}
