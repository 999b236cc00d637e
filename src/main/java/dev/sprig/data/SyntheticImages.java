package dev.sprig.data;

import dev.sprig.SeedStream;
import java.util.SplittableRandom;

/**
 * Random labelled images for benchmarks and tests, where only shapes and throughput matter.
 *
 * <p>Each class gets a random template (the same for every seed) and every image is its template
 * plus noise, so a model can learn the task quickly: a smoke test on synthetic data still shows the
 * loss falling.
 */
public final class SyntheticImages {
    private SyntheticImages() {}

    /**
     * Generates a learnable synthetic image set.
     *
     * @param n number of images
     * @param channels C
     * @param size H = W
     * @param classes number of classes
     * @param seed seed
     * @return the images
     */
    public static ImageSet generate(int n, int channels, int size, int classes, long seed) {
        SeedStream seeds = new SeedStream(seed);
        int stride = channels * size * size;
        byte[][] templates = new byte[classes][stride];
        // Templates depend only on the shape, so training and test sets drawn with different seeds
        // share them.
        SplittableRandom t =
                new SeedStream(0).derive("synthetic-templates", channels, size, classes);
        for (byte[] tpl : templates) {
            for (int i = 0; i < stride; i++) {
                tpl[i] = (byte) t.nextInt(256);
            }
        }
        SplittableRandom r = seeds.derive("synthetic-images");
        byte[] px = new byte[n * stride];
        int[] labels = new int[n];
        for (int k = 0; k < n; k++) {
            int label = r.nextInt(classes);
            labels[k] = label;
            byte[] tpl = templates[label];
            for (int i = 0; i < stride; i++) {
                int v = (tpl[i] & 0xff) + (int) (r.nextGaussian() * 48);
                px[k * stride + i] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return new ImageSet("synthetic", px, labels, channels, size, size, classes);
    }

    /**
     * Normalisation that maps synthetic bytes to roughly zero mean and unit variance.
     *
     * @param channels C
     * @return the normalisation
     */
    public static Normalization normalization(int channels) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        java.util.Arrays.fill(mean, 0.5f);
        java.util.Arrays.fill(std, 0.3f);
        return new Normalization(mean, std);
    }
}
