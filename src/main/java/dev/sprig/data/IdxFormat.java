package dev.sprig.data;

import dev.sprig.SprigException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (gzipped or not).
 *
 * <p>Image files start with magic 2051 and (count, rows, cols); label files with magic 2049 and
 * (count); all big-endian. Every inconsistency (wrong magic, a file shorter than its header says, a
 * count mismatch between images and labels, a label outside [0, classes)) is reported as a {@link
 * SprigException} naming the file.
 */
public final class IdxFormat {
    static final int IMAGE_MAGIC = 2051;
    static final int LABEL_MAGIC = 2049;

    private IdxFormat() {}

    /**
     * Reads an image file and its label file.
     *
     * @param name data set name for messages
     * @param images IDX3 image file
     * @param labels IDX1 label file
     * @param classes number of classes; labels must lie in [0, classes)
     * @return the images, one channel
     */
    public static ImageSet read(String name, Path images, Path labels, int classes) {
        byte[] img = DataFiles.readAll(images);
        byte[] lab = DataFiles.readAll(labels);
        ByteBuffer ib = ByteBuffer.wrap(img);
        ByteBuffer lb = ByteBuffer.wrap(lab);
        if (img.length < 16) {
            throw new SprigException(
                    "truncated IDX image file " + images + ": " + img.length + " bytes");
        }
        if (lab.length < 8) {
            throw new SprigException(
                    "truncated IDX label file " + labels + ": " + lab.length + " bytes");
        }
        int im = ib.getInt();
        if (im != IMAGE_MAGIC) {
            throw new SprigException(
                    "not an IDX image file: "
                            + images
                            + " (magic "
                            + im
                            + ", expected "
                            + IMAGE_MAGIC
                            + ")");
        }
        int lm = lb.getInt();
        if (lm != LABEL_MAGIC) {
            throw new SprigException(
                    "not an IDX label file: "
                            + labels
                            + " (magic "
                            + lm
                            + ", expected "
                            + LABEL_MAGIC
                            + ")");
        }
        int n = ib.getInt();
        int rows = ib.getInt();
        int cols = ib.getInt();
        int nl = lb.getInt();
        if (n < 0 || rows <= 0 || cols <= 0) {
            throw new SprigException(
                    "corrupt IDX header in " + images + ": " + n + "x" + rows + "x" + cols);
        }
        long expect = 16L + (long) n * rows * cols;
        if (img.length != expect) {
            throw new SprigException(
                    (img.length < expect ? "truncated" : "oversized")
                            + " IDX image file "
                            + images
                            + ": header says "
                            + n
                            + " images of "
                            + rows
                            + "x"
                            + cols
                            + " ("
                            + expect
                            + " bytes), file has "
                            + img.length);
        }
        if (lab.length != 8L + nl) {
            throw new SprigException(
                    (lab.length < 8L + nl ? "truncated" : "oversized")
                            + " IDX label file "
                            + labels
                            + ": header says "
                            + nl
                            + " labels, file has "
                            + (lab.length - 8)
                            + " bytes of labels");
        }
        if (nl != n) {
            throw new SprigException(
                    "count mismatch: "
                            + images
                            + " holds "
                            + n
                            + " images but "
                            + labels
                            + " holds "
                            + nl
                            + " labels");
        }
        byte[] pixels = new byte[n * rows * cols];
        System.arraycopy(img, 16, pixels, 0, pixels.length);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = lab[8 + i] & 0xff;
            if (y[i] >= classes) {
                throw new SprigException(
                        "corrupt label file "
                                + labels
                                + ": label "
                                + y[i]
                                + " at index "
                                + i
                                + " is not below "
                                + classes);
            }
        }
        return new ImageSet(name, pixels, y, 1, rows, cols, classes);
    }
}
