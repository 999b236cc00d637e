package dev.sprig.data;

import java.util.SplittableRandom;

/**
 * The ImageNet training recipe (torchvision's {@code RandomResizedCrop} and {@code
 * RandomHorizontalFlip}): a crop covering a random fraction of the image's area in [{@code
 * minScale}, 1] with an aspect ratio drawn log-uniformly from [3/4, 4/3], resized bilinearly to the
 * image's side, flipped horizontally with probability 1/2. Ten draws are tried before falling back
 * to the whole image, as torchvision does.
 *
 * <p>Sprig stores each training image once, resized so its shorter side is the training size and
 * centre-cropped square; the crop is drawn from that square, not from the original file, so the
 * cost per step is a bilinear resample of bytes held in memory rather than a decode.
 *
 * @param minScale smallest fraction of the area a crop covers (torchvision: 0.08)
 */
public record ResizedCropFlip(double minScale) implements Augmentation {
    /** torchvision's default smallest crop area. */
    public static final double DEFAULT_MIN_SCALE = 0.08;

    private static final double LOG_MIN_RATIO = Math.log(3.0 / 4);
    private static final double LOG_MAX_RATIO = Math.log(4.0 / 3);

    /** Checks the scale. */
    public ResizedCropFlip {
        if (!(minScale > 0 && minScale <= 1)) {
            throw new IllegalArgumentException("min scale must be in (0, 1], got " + minScale);
        }
    }

    @Override
    public void apply(
            ImageSet set,
            int index,
            float[][] tables,
            float[] out,
            int offset,
            SplittableRandom random) {
        int h = set.height();
        int w = set.width();
        double area = (double) h * w;
        int cw = w;
        int ch = h;
        int top = 0;
        int left = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + (1 - minScale) * random.nextDouble());
            double ratio =
                    Math.exp(LOG_MIN_RATIO + (LOG_MAX_RATIO - LOG_MIN_RATIO) * random.nextDouble());
            int tw = (int) Math.round(Math.sqrt(target * ratio));
            int th = (int) Math.round(Math.sqrt(target / ratio));
            if (tw > 0 && th > 0 && tw <= w && th <= h) {
                cw = tw;
                ch = th;
                top = random.nextInt(h - th + 1);
                left = random.nextInt(w - tw + 1);
                break;
            }
        }
        boolean flip = random.nextBoolean();
        resample(set, index, tables, out, offset, top, left, ch, cw, flip);
    }

    /**
     * Bilinear resample of the crop (top, left, ch × cw) to the full h × w, sampling at pixel
     * centres (align-corners false, as torchvision's tensor resize).
     */
    static void resample(
            ImageSet set,
            int index,
            float[][] tables,
            float[] out,
            int off,
            int top,
            int left,
            int ch,
            int cw,
            boolean flip) {
        byte[] px = set.pixels();
        int h = set.height();
        int w = set.width();
        int plane = h * w;
        int base = index * set.imageSize();
        double sy = (double) ch / h;
        double sx = (double) cw / w;
        for (int c = 0; c < set.channels(); c++) {
            float[] t = tables[c];
            int s = base + c * plane;
            int o = off + c * plane;
            for (int yy = 0; yy < h; yy++) {
                double fy = Math.min(Math.max((yy + 0.5) * sy - 0.5, 0), ch - 1);
                int y0 = (int) fy;
                int y1 = Math.min(y0 + 1, ch - 1);
                double wy = fy - y0;
                for (int xx = 0; xx < w; xx++) {
                    int tx = flip ? w - 1 - xx : xx;
                    double fx = Math.min(Math.max((tx + 0.5) * sx - 0.5, 0), cw - 1);
                    int x0 = (int) fx;
                    int x1 = Math.min(x0 + 1, cw - 1);
                    double wx = fx - x0;
                    int r0 = s + (top + y0) * w + left;
                    int r1 = s + (top + y1) * w + left;
                    double v =
                            (1 - wy) * ((1 - wx) * (px[r0 + x0] & 0xff) + wx * (px[r0 + x1] & 0xff))
                                    + wy
                                            * ((1 - wx) * (px[r1 + x0] & 0xff)
                                                    + wx * (px[r1 + x1] & 0xff));
                    // Through the byte table: the value rounds to a byte as an 8-bit image would.
                    out[o + yy * w + xx] = t[(int) Math.round(v)];
                }
            }
        }
    }

    @Override
    public String describe() {
        return "resized-crop-flip(" + minScale + ")";
    }
}
