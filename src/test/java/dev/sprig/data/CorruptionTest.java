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

    private static int at(ImageSet s, int n, int c, int y, int x) {
        return s.pixels()[((n * s.channels() + c) * s.height() + y) * s.width() + x] & 0xff;
    }

    /** Two images of two channels, h x w, every value v. */
    private static byte[] filled(int h, int w, int v) {
        byte[] px = new byte[2 * 2 * h * w];
        java.util.Arrays.fill(px, (byte) v);
        return px;
    }

    @Test
    void blurOfAnImpulseIsTheOuterProductOfTheNormalisedKernel() {
        // sigma 0.4 (severity 1): radius ceil(1.6) = 2, weights exp(-k^2 / 0.32) normalised:
        // 0.919218 (centre), 0.040388 (one away), 3.4e-6 (two away).
        int h = 5;
        int w = 7;
        byte[] px = filled(h, w, 0);
        // image 0, channel 0: an impulse at (2, 3); image 0, channel 1: one in the corner (0, 0);
        // image 1 stays black in both channels.
        px[2 * w + 3] = (byte) 255;
        px[h * w] = (byte) 255;
        ImageSet set = new ImageSet("impulses", px, new int[] {0, 1}, 2, h, w, 2);
        ImageSet b = Corruption.GAUSSIAN_BLUR.apply(set, 1, 0);
        assertThat(at(b, 0, 0, 2, 3)).isEqualTo(215); // 255 * 0.919218^2 = 215.47
        assertThat(at(b, 0, 0, 2, 4)).isEqualTo(9); // 255 * 0.919218 * 0.040388 = 9.47
        assertThat(at(b, 0, 0, 1, 3)).isEqualTo(9);
        assertThat(at(b, 0, 0, 3, 3)).isEqualTo(9);
        assertThat(at(b, 0, 0, 2, 2)).isEqualTo(9);
        assertThat(at(b, 0, 0, 1, 4)).isZero(); // 255 * 0.040388^2 = 0.42
        assertThat(at(b, 0, 0, 0, 0)).isZero();
        // The corner repeats its edge (nearest): 255 * (0.919218 + 0.040388 + 3.4e-6)^2 = 234.8;
        // its neighbour 255 * 0.959609 * 0.040388 = 9.88.
        assertThat(at(b, 0, 1, 0, 0)).isEqualTo(235);
        assertThat(at(b, 0, 1, 0, 1)).isEqualTo(10);
        assertThat(at(b, 0, 1, 1, 0)).isEqualTo(10);
        assertThat(at(b, 0, 1, 2, 3)).isZero();
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    assertThat(at(b, 1, c, y, x)).isZero();
                }
            }
        }
    }

    @Test
    void pixelateAveragesBoxesAndEnlargesByNearestNeighbour() {
        // Severity 4: 4 x 4 down to int(4 * 0.75) = 3 x 3. The value 48 i + 12 j is linear, so a
        // box's average is its value at the box's weighted centre: rows [0, 4/3), [4/3, 8/3),
        // [8/3, 4) have centres 0.25, 1.5, 2.75. Enlarging back takes box (3i/4, 3j/4): rows
        // 0, 0, 1, 2. So out(i, j) = R[3i/4] + C[3j/4], R = 12, 72, 132 and C = 3, 18, 33.
        byte[] px = filled(4, 4, 200);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                px[i * 4 + j] = (byte) (48 * i + 12 * j);
            }
        }
        ImageSet set = new ImageSet("ramp", px, new int[] {0, 1}, 2, 4, 4, 2);
        ImageSet p = Corruption.PIXELATE.apply(set, 4, 0);
        int[] rows = {12, 12, 72, 132};
        int[] cols = {3, 3, 18, 33};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(at(p, 0, 0, i, j)).as("(%d, %d)", i, j).isEqualTo(rows[i] + cols[j]);
                assertThat(at(p, 0, 1, i, j)).isEqualTo(200);
                assertThat(at(p, 1, 0, i, j)).isEqualTo(200);
            }
        }
    }

    private static double[] meanAndStd(ImageSet clean, ImageSet bad) {
        double s = 0;
        double sq = 0;
        int n = clean.pixels().length;
        for (int i = 0; i < n; i++) {
            double d = (bad.pixels()[i] & 0xff) - (clean.pixels()[i] & 0xff);
            s += d;
            sq += d * d;
        }
        double mean = s / n;
        return new double[] {mean, Math.sqrt(sq / n - mean * mean)};
    }

    private static ImageSet grey(int v) {
        byte[] px = new byte[2 * 64 * 64];
        java.util.Arrays.fill(px, (byte) v);
        return new ImageSet("grey", px, new int[] {0, 1}, 1, 64, 64, 2);
    }

    @Test
    void noisesHaveTheirPublishedSpread() {
        ImageSet g = grey(128);
        // Gaussian: N(0, c^2) in [0, 1] units, c = 0.04 and 0.10: 10.2 and 25.5 grey levels.
        double[] s1 = meanAndStd(g, Corruption.GAUSSIAN_NOISE.apply(g, 1, 3));
        assertThat(s1[0]).isBetween(-0.5, 0.5);
        assertThat(s1[1]).isBetween(10.2 * 0.95, 10.2 * 1.05);
        double[] s5 = meanAndStd(g, Corruption.GAUSSIAN_NOISE.apply(g, 5, 3));
        assertThat(s5[1]).isBetween(25.5 * 0.95, 25.5 * 1.05);
        // Shot: Poisson(x c) / c has mean x and deviation sqrt(x / c): x = 128/255, c = 50 (Knuth's
        // method, mean 25.1) gives 0.1002 = 25.55 levels; c = 500 (normal approximation, mean 251)
        // gives 0.0317 = 8.08 levels.
        double[] p5 = meanAndStd(g, Corruption.SHOT_NOISE.apply(g, 5, 3));
        assertThat(p5[0]).isBetween(-1.0, 1.0);
        assertThat(p5[1]).isBetween(25.55 * 0.95, 25.55 * 1.05);
        double[] p1 = meanAndStd(g, Corruption.SHOT_NOISE.apply(g, 1, 3));
        assertThat(p1[0]).isBetween(-0.5, 0.5);
        assertThat(p1[1]).isBetween(8.08 * 0.95, 8.08 * 1.05);
        // Impulse: a fraction c = 0.07 of values becomes 0 or 255, half each.
        ImageSet imp = Corruption.IMPULSE_NOISE.apply(g, 5, 3);
        int black = 0;
        int white = 0;
        for (byte b : imp.pixels()) {
            black += (b & 0xff) == 0 ? 1 : 0;
            white += (b & 0xff) == 255 ? 1 : 0;
        }
        int n = imp.pixels().length;
        assertThat((double) (black + white) / n).isBetween(0.065, 0.075);
        assertThat((double) black / (black + white)).isBetween(0.45, 0.55);
    }

    @Test
    void contrastUsesEachChannelsOwnMeanInEveryImage() {
        // Image 0: channel 0 is {0, 200} (mean 100), channel 1 is {50, 50}; image 1: {255, 55}
        // (mean 155) and {0, 0}. Severity 2 scales by 0.5 about the mean.
        byte[] px = {0, (byte) 200, 50, 50, (byte) 255, 55, 0, 0};
        ImageSet set = new ImageSet("pairs", px, new int[] {0, 1}, 2, 1, 2, 2);
        byte[] out = Corruption.CONTRAST.apply(set, 2, 0).pixels();
        int[] want = {50, 150, 50, 50, 205, 105, 0, 0};
        for (int i = 0; i < want.length; i++) {
            assertThat(out[i] & 0xff).as("value %d", i).isEqualTo(want[i]);
        }
        assertThat(Corruption.GAUSSIAN_NOISE.key()).isEqualTo("gaussian_noise");
        assertThat(Corruption.PIXELATE.apply(set, 1, 0).name())
                .isEqualTo("t-pixelate-1".replace("t-", "pairs-"));
    }

    @Test
    void brightnessRaisesEachPixelsValueAndKeepsItsHue() {
        // Severity 1 raises V by 0.05 (12.75 levels), scaling each pixel's RGB by (V + c) / V.
        // Planes R, G, B of a 1 x 2 image: (52, 26, 0) with V = 52 -> 64.75/52 -> (65, 32, 0);
        // (0, 120, 60) with V = 120 -> 132.75/120 -> (0, 133, 66).
        byte[] px = {52, 0, 26, 120, 0, 60};
        ImageSet rgb = new ImageSet("two", px, new int[] {0}, 3, 1, 2, 2);
        byte[] out = Corruption.BRIGHTNESS.apply(rgb, 1, 0).pixels();
        int[] want = {65, 0, 32, 133, 0, 66};
        for (int i = 0; i < want.length; i++) {
            assertThat(out[i] & 0xff).as("value %d", i).isEqualTo(want[i]);
        }
    }
}
