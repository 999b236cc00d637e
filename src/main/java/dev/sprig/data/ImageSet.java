package dev.sprig.data;

import java.util.Arrays;

/**
 * Labelled images held in memory as raw bytes, in channel-major order (N, C, H, W).
 *
 * <p>Bytes, not floats: CIFAR-10 as floats would take four times the memory, and normalisation
 * costs nothing when a batch is filled. Instances are immutable; {@link #subset(int[])} copies.
 *
 * @param name data set name, for messages
 * @param pixels N·C·H·W unsigned bytes
 * @param labels N class indices in [0, classes)
 * @param channels C
 * @param height H
 * @param width W
 * @param classes number of classes
 */
public record ImageSet(
        String name,
        byte[] pixels,
        int[] labels,
        int channels,
        int height,
        int width,
        int classes) {

    /** Checks that the arrays agree with the declared shape. */
    public ImageSet {
        if (channels <= 0 || height <= 0 || width <= 0 || classes <= 0) {
            throw new IllegalArgumentException(
                    "bad image set shape " + channels + "x" + height + "x" + width);
        }
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(
                    name + ": " + labels.length + " labels but " + pixels.length + " pixel bytes");
        }
    }

    /**
     * Returns the number of images.
     *
     * @return N
     */
    public int size() {
        return labels.length;
    }

    /**
     * Returns the number of values in one image.
     *
     * @return C·H·W
     */
    public int imageSize() {
        return channels * height * width;
    }

    /**
     * Returns the images at the given indices, in that order.
     *
     * @param indices positions into this set
     * @return a new set holding copies
     */
    public ImageSet subset(int[] indices) {
        int stride = imageSize();
        byte[] px = new byte[indices.length * stride];
        int[] lb = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * stride, px, i * stride, stride);
            lb[i] = labels[indices[i]];
        }
        return new ImageSet(name, px, lb, channels, height, width, classes);
    }

    /**
     * Counts the images of each class.
     *
     * @return one count per class
     */
    public int[] classCounts() {
        int[] counts = new int[classes];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageSet s
                && name.equals(s.name)
                && channels == s.channels
                && height == s.height
                && width == s.width
                && classes == s.classes
                && Arrays.equals(labels, s.labels)
                && Arrays.equals(pixels, s.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(labels) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return name + "[" + size() + " x " + channels + "x" + height + "x" + width + "]";
    }
}
