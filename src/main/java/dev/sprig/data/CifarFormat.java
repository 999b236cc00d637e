package dev.sprig.data;

import dev.sprig.SprigException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Reader for the CIFAR-10 and CIFAR-100 binary versions.
 *
 * <p>A CIFAR-10 record is 1 label byte followed by 3072 pixel bytes (1024 red, 1024 green, 1024
 * blue, row-major 32×32). A CIFAR-100 record has 2 label bytes (coarse, fine) before the pixels;
 * Sprig uses the fine label. A file whose length is not a whole number of records is truncated or
 * not a CIFAR file, and is rejected with its name.
 */
public final class CifarFormat {
    /** Pixel bytes per image. */
    public static final int IMAGE_BYTES = 3 * 32 * 32;

    private CifarFormat() {}

    /**
     * Reads and concatenates CIFAR binary files.
     *
     * @param name data set name
     * @param files batch files in order
     * @param labelBytes 1 for CIFAR-10, 2 for CIFAR-100
     * @param classes 10 or 100
     * @return the images, three channels
     */
    public static ImageSet read(String name, List<Path> files, int labelBytes, int classes) {
        int record = labelBytes + IMAGE_BYTES;
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        int[] labels = new int[0];
        for (Path f : files) {
            byte[] data = DataFiles.readAll(f);
            if (data.length == 0 || data.length % record != 0) {
                throw new SprigException(
                        "truncated or corrupt CIFAR file "
                                + f
                                + ": "
                                + data.length
                                + " bytes is not a whole number of "
                                + record
                                + "-byte records");
            }
            int n = data.length / record;
            int base = labels.length;
            labels = java.util.Arrays.copyOf(labels, base + n);
            for (int i = 0; i < n; i++) {
                int off = i * record;
                int label = data[off + labelBytes - 1] & 0xff;
                if (label >= classes) {
                    throw new SprigException(
                            "corrupt CIFAR file "
                                    + f
                                    + ": label "
                                    + label
                                    + " in record "
                                    + i
                                    + " is not below "
                                    + classes);
                }
                labels[base + i] = label;
                pixels.write(data, off + labelBytes, IMAGE_BYTES);
            }
        }
        return new ImageSet(name, pixels.toByteArray(), labels, 3, 32, 32, classes);
    }
}
