package dev.sprig.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes tiny data files in the real formats, so tests never need the real data sets. */
public final class TestFiles {
    private TestFiles() {}

    /** Writes an IDX image file: magic 2051, n, rows, cols, then pixel (i*7 + k) mod 256. */
    public static byte[] idxImages(int magic, int n, int rows, int cols, int pixelCount) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixelCount);
        b.putInt(magic).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < pixelCount; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    /** Writes an IDX label file: magic 2049, n, then labels i mod 10. */
    public static byte[] idxLabels(int magic, int n, int labelCount) {
        ByteBuffer b = ByteBuffer.allocate(8 + labelCount);
        b.putInt(magic).putInt(n);
        for (int i = 0; i < labelCount; i++) {
            b.put((byte) (i % 10));
        }
        return b.array();
    }

    /** Gzips bytes. */
    public static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream g = new GZIPOutputStream(out)) {
            g.write(raw);
        }
        return out.toByteArray();
    }

    /** Writes a valid MNIST-layout folder with n training and m test images of 28×28. */
    public static Path mnistFolder(Path root, String key, int n, int m) throws IOException {
        Path dir = Files.createDirectories(root.resolve(key));
        Files.write(
                dir.resolve("train-images-idx3-ubyte.gz"),
                gzip(idxImages(2051, n, 28, 28, n * 784)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idxLabels(2049, n, n)));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idxImages(2051, m, 28, 28, m * 784));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idxLabels(2049, m, m));
        return dir;
    }

    /** CIFAR records: label bytes then 3072 pixels; label of record i is i mod classes. */
    public static byte[] cifarRecords(int n, int labelBytes, int classes) {
        int rec = labelBytes + 3072;
        byte[] data = new byte[n * rec];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < labelBytes; l++) {
                data[i * rec + l] = (byte) ((i + l) % classes);
            }
            data[i * rec + labelBytes - 1] = (byte) (i % classes);
            for (int k = 0; k < 3072; k++) {
                data[i * rec + labelBytes + k] = (byte) (i + k);
            }
        }
        return data;
    }

    /** Writes a solid image of one colour (0xRRGGBB) in the format its extension names. */
    public static void solidImage(Path file, int w, int h, int rgb) throws IOException {
        Files.createDirectories(file.getParent());
        java.awt.image.BufferedImage img =
                new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        String name = file.getFileName().toString();
        if (!javax.imageio.ImageIO.write(
                img, name.substring(name.lastIndexOf('.') + 1), file.toFile())) {
            throw new IOException("no ImageIO writer for " + name);
        }
    }
}
