package dev.sprig.data;

import dev.sprig.SprigException;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Common image corruptions at severities 1 to 5, after Hendrycks and Dietterich, "Benchmarking
 * Neural Network Robustness to Common Corruptions and Perturbations" (ICLR 2019, arXiv 1903.12261).
 * FreeTickets reports accuracy, NLL and ECE on CIFAR-10-C; no corrupted copy of any data set ships
 * here, so Sprig corrupts the clean test set itself, with each corruption's per-severity constant
 * from the CIFAR-10-C generator ({@code make_cifar_c.py}).
 *
 * <p>Images are read as values in [0, 1], corrupted, clipped and rounded back to bytes, as the
 * published sets were saved. Colour images are handled per channel except brightness, which raises
 * the HSV value (hue and saturation kept) as the original does. Randomness comes from the seed, so
 * the same seed gives the same corrupted set.
 */
public enum Corruption {
    /** Additive N(0, c²) noise; c = 0.04, 0.06, 0.08, 0.09, 0.10. */
    GAUSSIAN_NOISE(0.04, 0.06, 0.08, 0.09, 0.10),
    /** Poisson photon noise: Poisson(x·c)/c; c = 500, 250, 100, 75, 50. */
    SHOT_NOISE(500, 250, 100, 75, 50),
    /** Salt-and-pepper: a fraction c of values set to 0 or 1; c = 0.01, 0.02, 0.03, 0.05, 0.07. */
    IMPULSE_NOISE(0.01, 0.02, 0.03, 0.05, 0.07),
    /** Gaussian blur with σ = c pixels; c = 0.4, 0.6, 0.7, 0.8, 1.0. */
    GAUSSIAN_BLUR(0.4, 0.6, 0.7, 0.8, 1.0),
    /** Contrast scaled about each image's per-channel mean by c = 0.75, 0.5, 0.4, 0.3, 0.15. */
    CONTRAST(0.75, 0.5, 0.4, 0.3, 0.15),
    /** HSV value raised by c = 0.05, 0.1, 0.15, 0.2, 0.3. */
    BRIGHTNESS(0.05, 0.1, 0.15, 0.2, 0.3),
    /**
     * Box-downsampled to a fraction c of the side, then enlarged by nearest neighbour; c = 0.95 …
     * 0.65.
     */
    PIXELATE(0.95, 0.9, 0.85, 0.75, 0.65);

    private final double[] constants;

    Corruption(double... constants) {
        this.constants = constants;
    }

    /**
     * @return the key used in reports, e.g. {@code gaussian_noise}
     */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Looks a corruption up by key.
     *
     * @param key e.g. {@code shot_noise} or {@code shot-noise}
     * @return the corruption
     * @throws IllegalArgumentException for an unknown key
     */
    public static Corruption of(String key) {
        String k = key.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Corruption c : values()) {
            if (c.name().equals(k)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown corruption '" + key + "'");
    }

    /**
     * Returns this corruption's constant at a severity.
     *
     * @param severity 1 to 5
     * @return the constant c
     */
    public double constant(int severity) {
        if (severity < 1 || severity > 5) {
            throw new IllegalArgumentException("severity must be 1 to 5, got " + severity);
        }
        return constants[severity - 1];
    }

    /**
     * Corrupts every image of a set.
     *
     * @param set clean images
     * @param severity 1 to 5
     * @param seed seed of the random draws
     * @return a new set with the same labels
     */
    public ImageSet apply(ImageSet set, int severity, long seed) {
        if (set.isTable()) {
            throw new SprigException(
                    "corruptions are image transforms; " + set.name() + " is a table of features");
        }
        double c = constant(severity);
        int channels = set.channels();
        int h = set.height();
        int w = set.width();
        int plane = h * w;
        int image = channels * plane;
        byte[] out = new byte[set.pixels().length];
        double[] x = new double[image];
        SplittableRandom random = new SplittableRandom(seed ^ (31L * ordinal() + severity));
        for (int n = 0; n < set.size(); n++) {
            for (int i = 0; i < image; i++) {
                x[i] = (set.pixels()[n * image + i] & 0xff) / 255.0;
            }
            corrupt(x, channels, h, w, c, random);
            for (int i = 0; i < image; i++) {
                out[n * image + i] = (byte) Math.round(255 * Math.min(1, Math.max(0, x[i])));
            }
        }
        return new ImageSet(
                set.name() + "-" + key() + "-" + severity,
                out,
                set.labels(),
                channels,
                h,
                w,
                set.classes(),
                null,
                set.classNames());
    }

    private void corrupt(
            double[] x, int channels, int h, int w, double c, SplittableRandom random) {
        int plane = h * w;
        switch (this) {
            case GAUSSIAN_NOISE -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] += c * gaussian(random);
                }
            }
            case SHOT_NOISE -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] = poisson(Math.max(0, x[i]) * c, random) / c;
                }
            }
            case IMPULSE_NOISE -> {
                for (int i = 0; i < x.length; i++) {
                    if (random.nextDouble() < c) {
                        x[i] = random.nextBoolean() ? 1 : 0;
                    }
                }
            }
            case GAUSSIAN_BLUR -> {
                for (int ch = 0; ch < channels; ch++) {
                    blur(x, ch * plane, h, w, c);
                }
            }
            case CONTRAST -> {
                for (int ch = 0; ch < channels; ch++) {
                    double mean = 0;
                    for (int i = 0; i < plane; i++) {
                        mean += x[ch * plane + i];
                    }
                    mean /= plane;
                    for (int i = 0; i < plane; i++) {
                        x[ch * plane + i] = (x[ch * plane + i] - mean) * c + mean;
                    }
                }
            }
            case BRIGHTNESS -> {
                for (int i = 0; i < plane; i++) {
                    double v = 0;
                    for (int ch = 0; ch < channels; ch++) {
                        v = Math.max(v, x[ch * plane + i]);
                    }
                    double raised = Math.min(1, v + c);
                    for (int ch = 0; ch < channels; ch++) {
                        // Every RGB value is linear in V at fixed hue and saturation; black has no
                        // hue and turns grey.
                        x[ch * plane + i] = v == 0 ? raised : x[ch * plane + i] * raised / v;
                    }
                }
            }
            case PIXELATE -> {
                int sh = Math.max(1, (int) (h * c));
                int sw = Math.max(1, (int) (w * c));
                for (int ch = 0; ch < channels; ch++) {
                    pixelate(x, ch * plane, h, w, sh, sw);
                }
            }
            default -> throw new IllegalStateException(name());
        }
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /** Knuth's method for small means, a normal approximation for large ones. */
    private static double poisson(double mean, SplittableRandom r) {
        if (mean > 60) {
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(r)));
        }
        double limit = Math.exp(-mean);
        double p = r.nextDouble();
        int k = 0;
        while (p > limit) {
            p *= r.nextDouble();
            k++;
        }
        return k;
    }

    /**
     * Separable Gaussian filter, radius ⌈4σ⌉, edge pixels repeated (scikit-image's default mode,
     * nearest).
     */
    private static void blur(double[] x, int offset, int h, int w, double sigma) {
        int radius = (int) Math.ceil(4 * sigma);
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) {
            kernel[k + radius] = Math.exp(-k * k / (2 * sigma * sigma));
            sum += kernel[k + radius];
        }
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= sum;
        }
        double[] tmp = new double[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                double s = 0;
                for (int k = -radius; k <= radius; k++) {
                    s += kernel[k + radius] * x[offset + i * w + clamp(j + k, w)];
                }
                tmp[i * w + j] = s;
            }
        }
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                double s = 0;
                for (int k = -radius; k <= radius; k++) {
                    s += kernel[k + radius] * tmp[clamp(i + k, h) * w + j];
                }
                x[offset + i * w + j] = s;
            }
        }
    }

    private static int clamp(int i, int n) {
        return Math.min(n - 1, Math.max(0, i));
    }

    /** Area-average down to sh × sw (PIL's BOX filter), then nearest-neighbour back up. */
    private static void pixelate(double[] x, int offset, int h, int w, int sh, int sw) {
        double[] small = new double[sh * sw];
        for (int a = 0; a < sh; a++) {
            double y0 = (double) a * h / sh;
            double y1 = (double) (a + 1) * h / sh;
            for (int b = 0; b < sw; b++) {
                double x0 = (double) b * w / sw;
                double x1 = (double) (b + 1) * w / sw;
                double s = 0;
                double area = 0;
                for (int i = (int) y0; i < Math.ceil(y1); i++) {
                    double fy = Math.min(i + 1, y1) - Math.max(i, y0);
                    for (int j = (int) x0; j < Math.ceil(x1); j++) {
                        double f = fy * (Math.min(j + 1, x1) - Math.max(j, x0));
                        s += f * x[offset + i * w + j];
                        area += f;
                    }
                }
                small[a * sw + b] = s / area;
            }
        }
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                x[offset + i * w + j] = small[(i * sh / h) * sw + j * sw / w];
            }
        }
    }
}
