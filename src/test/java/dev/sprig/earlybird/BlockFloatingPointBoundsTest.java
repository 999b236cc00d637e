package dev.sprig.earlybird;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The 8-bit block format of the low-precision search at its edges, by hand. */
class BlockFloatingPointBoundsTest {
    @Test
    void wordLengthsFromTwoToTwentyFour() {
        assertThat(new BlockFloatingPoint(2).step(1f)).isEqualTo(1f); // 2^(0 - 2 + 2)
        assertThat(new BlockFloatingPoint(24).step(1f)).isEqualTo(0x1p-22f);
        assertThatThrownBy(() -> new BlockFloatingPoint(1)).hasMessageContaining("[2, 24], got 1");
        assertThatThrownBy(() -> new BlockFloatingPoint(25)).hasMessageContaining("got 25");
    }

    @Test
    void eachBlockHasItsOwnStepAndTheLargestCodeIsOneBelowTheTopPower() {
        BlockFloatingPoint bfp = new BlockFloatingPoint(8);
        // Block 0: max 1.0 -> step 2^(0 - 8 + 2) = 1/64; 0.5 and -0.25 lie on the grid.
        // Block 1: max 100 (exponent 6) -> step 2^(6 - 6) = 1; 3 lies on the grid.
        float[] v = {1.0f, 0.5f, -0.25f, 100f, 3f, -7f};
        bfp.quantize(v, 2, new SplittableRandom(1));
        assertThat(v).containsExactly(1.0f, 0.5f, -0.25f, 100f, 3f, -7f);
        // 1.99 / (1/64) = 127.36: stochastic rounding gives 127 or 128, and 128 is clamped to the
        // largest signed 8-bit code, 127: never above 127/64.
        SplittableRandom r = new SplittableRandom(2);
        for (int k = 0; k < 200; k++) {
            float[] x = {1.99f};
            bfp.quantize(x, 1, r);
            assertThat(x[0]).isEqualTo(127f / 64);
        }
        float[] zeros = {0f, 0f};
        bfp.quantize(zeros, 1, r);
        assertThat(zeros).containsExactly(0f, 0f);
        assertThatThrownBy(() -> bfp.quantize(new float[5], 2, r))
                .hasMessageContaining("5 values do not split into 2 blocks");
    }
}
