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
            v[i] =
                    (float)
                            (r.nextGaussian()
                                    * Math.pow(10, i / 256 - 2)); // blocks of very different scales
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
        assertThat(once[1])
                .isIn((float) (Math.floor(x / step) * step), (float) (Math.ceil(x / step) * step));
    }

    @org.junit.jupiter.api.Test
    void activationQuantiserKeepsTheGridAndPassesGradientsStraightThrough() {
        try (ai.djl.ndarray.NDManager m =
                ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
            SplittableRandom r = new SplittableRandom(5);
            float[] v = new float[2 * 3 * 4];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * (i < 12 ? 0.01 : 5));
            }
            ai.djl.ndarray.NDArray x = m.create(v, new ai.djl.ndarray.types.Shape(2, 3, 4));
            x.setRequiresGradient(true);
            ai.djl.ndarray.NDArray q;
            try (ai.djl.training.GradientCollector gc =
                    ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                q = new dev.sprig.models.BlockFloatActivations(8).apply(x);
                gc.backward(q.sum());
            }
            float[] out = q.toFloatArray();
            for (int b = 0; b < 2; b++) {
                float max = 0;
                for (int i = b * 12; i < (b + 1) * 12; i++) {
                    max = Math.max(max, Math.abs(v[i]));
                }
                float step = bfp.step(max);
                for (int i = b * 12; i < (b + 1) * 12; i++) {
                    assertThat(Math.abs(out[i] - v[i])).isLessThanOrEqualTo(step * 1.0001f);
                    assertThat((double) (out[i] / step))
                            .isEqualTo(Math.rint(out[i] / step), within(1e-3));
                }
            }
            assertThat(x.getGradient().toFloatArray()).containsOnly(1f);
        }
    }
}
