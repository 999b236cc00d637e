package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    /** One 1-channel 4 x 4 image whose pixel (y, x) is 10·y + x. */
    private static ImageSet ramp() {
        byte[] px = new byte[16];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                px[y * 4 + x] = (byte) (10 * y + x);
            }
        }
        return new ImageSet("ramp", px, new int[] {0}, 1, 4, 4, 1);
    }

    private static float[][] identity() {
        float[] t = new float[256];
        for (int v = 0; v < 256; v++) {
            t[v] = v;
        }
        return new float[][] {t};
    }

    @Test
    void aResizedCropOfTheWholeImageIsTheImageAndItsFlipIsTheMirror() {
        float[] out = new float[16];
        ResizedCropFlip.resample(ramp(), 0, identity(), out, 0, 0, 0, 4, 4, false);
        for (int k = 0; k < 16; k++) {
            assertThat(out[k]).isEqualTo(10 * (k / 4) + k % 4);
        }
        ResizedCropFlip.resample(ramp(), 0, identity(), out, 0, 0, 0, 4, 4, true);
        assertThat(out[0]).isEqualTo(3);
        assertThat(out[7]).isEqualTo(10);
    }

    @Test
    void aTwoByTwoCropIsUpsampledBilinearlyAtPixelCentres() {
        // Crop rows 1-2, columns 1-2 ({11, 12}, {21, 22}) to 4 x 4: output x samples the crop at
        // (x + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        float[] out = new float[16];
        ResizedCropFlip.resample(ramp(), 0, identity(), out, 0, 1, 1, 2, 2, false);
        assertThat(out[0]).isEqualTo(11);
        // (y, x) = (0, 1): 11 + 0.25 = 11.25, rounded to the byte 11.
        assertThat(out[1]).isEqualTo(11);
        // (1, 2): crop row 0.25, column 0.75: 11 + 10·0.25 + 0.75 = 14.25, rounded to 14.
        assertThat(out[1 * 4 + 2]).isEqualTo(14);
        assertThat(out[15]).isEqualTo(22);
    }

    @Test
    void cropsCoverTheRequestedAreaAndDependOnlyOnTheGenerator() {
        ImageSet set = SyntheticImages.generate(1, 3, 32, 1, 5);
        float[][] tables = new float[3][];
        for (int c = 0; c < 3; c++) {
            tables[c] = identity()[0];
        }
        ResizedCropFlip rrc = new ResizedCropFlip(0.08);
        float[] a = new float[set.imageSize()];
        float[] b = new float[set.imageSize()];
        rrc.apply(set, 0, tables, a, 0, new SplittableRandom(3));
        rrc.apply(set, 0, tables, b, 0, new SplittableRandom(3));
        assertThat(a).containsExactly(b);
        rrc.apply(set, 0, tables, b, 0, new SplittableRandom(4));
        assertThat(a).isNotEqualTo(b);
        // A constant image stays constant under any crop.
        byte[] flat = new byte[3 * 32 * 32];
        java.util.Arrays.fill(flat, (byte) 77);
        ImageSet grey = new ImageSet("flat", flat, new int[] {0}, 3, 32, 32, 1);
        for (int seed = 0; seed < 20; seed++) {
            rrc.apply(grey, 0, tables, a, 0, new SplittableRandom(seed));
            for (float v : a) {
                assertThat(v).isEqualTo(77);
            }
        }
    }

    @Test
    void padCropFlipKeepsTheCifarPaddingAndScalesItWithTheSide() {
        assertThat(PadCropFlip.forSize(32)).isEqualTo(new PadCropFlip(4));
        assertThat(PadCropFlip.forSize(64)).isEqualTo(new PadCropFlip(8));
        assertThat(PadCropFlip.forSize(8)).isEqualTo(new PadCropFlip(1));
    }
}
