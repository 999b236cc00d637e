package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CorruptionTest {
    private static ImageSet random(int n, int channels, int side, long seed) {
        byte[] px = new byte[n * channels * side * side];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) r.nextInt(256);
        }
        int[] labels = new int[n];
        return new ImageSet("t", px, labels, channels, side, side, 10);
    }

    private static double meanAbsChange(ImageSet a, ImageSet b) {
        double s = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            s += Math.abs((a.pixels()[i] & 0xff) - (b.pixels()[i] & 0xff));
        }
        return s / a.pixels().length;
    }

    @Test
    void everyCorruptionKeepsShapeAndLabelsAndGrowsWithSeverity() {
        ImageSet clean = random(8, 3, 12, 1);
        for (Corruption c : Corruption.values()) {
            double previous = -1;
            for (int s = 1; s <= 5; s++) {
                ImageSet bad = c.apply(clean, s, 7);
                assertThat(bad.labels()).isEqualTo(clean.labels());
                assertThat(bad.pixels()).hasSameSizeAs(clean.pixels());
                assertThat(bad.pixels())
                        .as("%s is deterministic", c)
                        .isEqualTo(c.apply(clean, s, 7).pixels());
                double change = meanAbsChange(clean, bad);
                assertThat(change).as("%s severity %d changes the images", c, s).isPositive();
                assertThat(change)
                        .as("%s severity %d at least as strong as %d", c, s, s - 1)
                        .isGreaterThanOrEqualTo(previous * 0.95);
                previous = change;
            }
        }
    }

    @Test
    void handWorkedValues() {
        // Contrast 0.75 about the mean 0.5 of a black and white pair: 0.125 and 0.875.
        ImageSet pair = new ImageSet("p", new byte[] {0, (byte) 255}, new int[] {0}, 1, 1, 2, 2);
        assertThat(Corruption.CONTRAST.apply(pair, 1, 0).pixels()).containsExactly(32, (byte) 223);
        // Brightness 0.3 on black: 76.5 rounds to 77; on white: stays 255.
        assertThat(Corruption.BRIGHTNESS.apply(pair, 5, 0).pixels())
                .containsExactly(77, (byte) 255);
        // Brightness keeps hue: an RGB pixel (0.2, 0.1, 0) raised by 0.1 scales to (0.3, 0.15, 0).
        ImageSet rgb = new ImageSet("c", new byte[] {51, 26, 0}, new int[] {0}, 3, 1, 1, 2);
        byte[] b = Corruption.BRIGHTNESS.apply(rgb, 2, 0).pixels();
        assertThat(b[0] & 0xff).isEqualTo(77); // 51 × (0.3 / 0.2) = 76.5
        assertThat(b[2]).isZero();
        // Blur and pixelation leave a flat image flat.
        byte[] flat = new byte[64];
        java.util.Arrays.fill(flat, (byte) 100);
        ImageSet f = new ImageSet("f", flat, new int[] {0}, 1, 8, 8, 2);
        assertThat(Corruption.GAUSSIAN_BLUR.apply(f, 5, 0).pixels()).containsOnly((byte) 100);
        assertThat(Corruption.PIXELATE.apply(f, 5, 0).pixels()).containsOnly((byte) 100);
        assertThat(Corruption.of("shot-noise")).isEqualTo(Corruption.SHOT_NOISE);
        assertThatThrownBy(() -> Corruption.of("fog"))
                .hasMessageContaining("unknown corruption 'fog'");
        assertThatThrownBy(() -> Corruption.GAUSSIAN_NOISE.constant(6))
                .hasMessageContaining("severity must be 1 to 5");
    }
}
