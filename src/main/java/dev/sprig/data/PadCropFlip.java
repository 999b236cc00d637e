package dev.sprig.data;

import java.util.SplittableRandom;

/**
 * The CIFAR recipe of the papers' code (torchvision's {@code RandomCrop(size, padding)} and {@code
 * RandomHorizontalFlip}): zero-pad the image, take a random crop of the original size, flip
 * horizontally with probability 1/2. Pixels that fall in the padding are raw 0 before
 * normalisation, as with torchvision.
 *
 * @param pad padding in pixels (4 for 32×32 images)
 */
public record PadCropFlip(int pad) implements Augmentation {
    /** Checks the padding. */
    public PadCropFlip {
        if (pad < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + pad);
        }
    }

    /**
     * The padding for images of a side length: 4 pixels at 32, an eighth of the side in general.
     *
     * @param size image side
     * @return the recipe
     */
    public static PadCropFlip forSize(int size) {
        return new PadCropFlip(Math.max(1, size / 8));
    }

    @Override
    public void apply(
            ImageSet set,
            int index,
            float[][] tables,
            float[] out,
            int offset,
            SplittableRandom random) {
        int dy = random.nextInt(2 * pad + 1) - pad;
        int dx = random.nextInt(2 * pad + 1) - pad;
        boolean flip = random.nextBoolean();
        copyShifted(set, index, tables, out, offset, dy, dx, flip);
    }

    /** Writes a shifted (crop offset dy, dx from the padded image), optionally flipped copy. */
    static void copyShifted(
            ImageSet set,
            int index,
            float[][] tables,
            float[] out,
            int off,
            int dy,
            int dx,
            boolean flip) {
        byte[] px = set.pixels();
        int h = set.height();
        int w = set.width();
        int plane = h * w;
        int base = index * set.imageSize();
        for (int c = 0; c < set.channels(); c++) {
            float[] t = tables[c];
            float zero = t[0];
            int o = off + c * plane;
            int s = base + c * plane;
            for (int yy = 0; yy < h; yy++) {
                int sy = yy + dy;
                for (int xx = 0; xx < w; xx++) {
                    int sx = (flip ? w - 1 - xx : xx) + dx;
                    out[o + yy * w + xx] =
                            (sy < 0 || sy >= h || sx < 0 || sx >= w)
                                    ? zero
                                    : t[px[s + sy * w + sx] & 0xff];
                }
            }
        }
    }

    @Override
    public String describe() {
        return "pad-crop-flip(" + pad + ")";
    }
}
