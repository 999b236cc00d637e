package dev.sprig.data;

import java.util.Arrays;
import java.util.List;

/**
 * Labelled examples held in memory: images as raw bytes in channel-major order (N, C, H, W), or a
 * table of F numeric features as floats, seen as N images of F channels and 1×1 pixels, so the
 * MLPs, the batch source and the CSR path take a table unchanged.
 *
 * <p>Bytes, not floats, for images: CIFAR-10 as floats would take four times the memory, and
 * normalisation costs nothing when a batch is filled. Table features stay raw floats; the batch
 * source standardises them. Instances are immutable; {@link #subset(int[])} copies.
 *
 * @param name data set name, for messages
 * @param pixels N·C·H·W unsigned bytes, or null for a table
 * @param labels N class indices in [0, classes)
 * @param channels C (F for a table)
 * @param height H (1 for a table)
 * @param width W (1 for a table)
 * @param classes number of classes
 * @param features N·F raw feature values of a table, or null for images
 * @param classNames the name of each class (folder names, label values), or null when classes are
 *     known only by index
 */
public record ImageSet(
        String name,
        byte[] pixels,
        int[] labels,
        int channels,
        int height,
        int width,
        int classes,
        float[] features,
        List<String> classNames) {

    /** Checks that the arrays agree with the declared shape. */
    public ImageSet {
        if (channels <= 0 || height <= 0 || width <= 0 || classes <= 0) {
            throw new IllegalArgumentException(
                    "bad image set shape " + channels + "x" + height + "x" + width);
        }
        if ((pixels == null) == (features == null)) {
            throw new IllegalArgumentException(name + ": exactly one of pixels and features");
        }
        long values = pixels != null ? pixels.length : features.length;
        if ((long) labels.length * channels * height * width != values) {
            throw new IllegalArgumentException(
                    name + ": " + labels.length + " labels but " + values + " values");
        }
        if (classNames != null) {
            if (classNames.size() != classes) {
                throw new IllegalArgumentException(
                        name + ": " + classNames.size() + " class names for " + classes);
            }
            classNames = List.copyOf(classNames);
        }
    }

    /**
     * Creates a set of byte images whose classes are known by index.
     *
     * @param name data set name
     * @param pixels N·C·H·W bytes
     * @param labels N labels
     * @param channels C
     * @param height H
     * @param width W
     * @param classes number of classes
     */
    public ImageSet(
            String name,
            byte[] pixels,
            int[] labels,
            int channels,
            int height,
            int width,
            int classes) {
        this(name, pixels, labels, channels, height, width, classes, null, null);
    }

    /**
     * Creates a table of features (N examples of F values each).
     *
     * @param name data set name
     * @param features N·F raw values
     * @param labels N labels
     * @param featureCount F
     * @param classNames one name per class
     * @return the set
     */
    public static ImageSet table(
            String name,
            float[] features,
            int[] labels,
            int featureCount,
            List<String> classNames) {
        return new ImageSet(
                name, null, labels, featureCount, 1, 1, classNames.size(), features, classNames);
    }

    /**
     * Whether this set is a table of features rather than images.
     *
     * @return true for a table
     */
    public boolean isTable() {
        return features != null;
    }

    /**
     * Returns the name of a class: its folder or label value, else its index.
     *
     * @param index class index
     * @return the name
     */
    public String className(int index) {
        return classNames != null ? classNames.get(index) : Integer.toString(index);
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
        byte[] px = pixels == null ? null : new byte[indices.length * stride];
        float[] fx = features == null ? null : new float[indices.length * stride];
        int[] lb = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (px != null) {
                System.arraycopy(pixels, indices[i] * stride, px, i * stride, stride);
            } else {
                System.arraycopy(features, indices[i] * stride, fx, i * stride, stride);
            }
            lb[i] = labels[indices[i]];
        }
        return new ImageSet(name, px, lb, channels, height, width, classes, fx, classNames);
    }

    /**
     * Returns the same examples under another name (a split of a data set).
     *
     * @param newName the name
     * @return the renamed set, sharing the arrays
     */
    public ImageSet named(String newName) {
        return new ImageSet(
                newName, pixels, labels, channels, height, width, classes, features, classNames);
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
                && Arrays.equals(pixels, s.pixels)
                && Arrays.equals(features, s.features)
                && java.util.Objects.equals(classNames, s.classNames);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(labels) + Arrays.hashCode(pixels) + Arrays.hashCode(features);
    }

    @Override
    public String toString() {
        return name + "[" + size() + " x " + channels + "x" + height + "x" + width + "]";
    }
}
