package dev.sprig.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decoded images of one split of an image folder at one size, kept in {@code
 * PATH/.sprig-cache/} so later runs map the bytes instead of decoding every file again.
 *
 * <p>The file is valid only for the listing it was built from: its header holds a SHA-256 of each
 * file's relative path, length and modification time, the transform sizes and whether bad images
 * were skipped. Any difference rebuilds it. Writes go to a temporary file renamed over the old one,
 * so a killed run never leaves a half-written cache that a later run would trust.
 */
final class DecodedCache {
    private static final byte[] MAGIC = "SPRIGIMG".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private final Path file;
    private final byte[] digest;
    private final int crop;

    /**
     * Describes the cache of one split.
     *
     * @param root the image folder
     * @param split {@code train} or {@code test}
     * @param resize shorter-side length before the crop
     * @param crop side of the stored images
     * @param files the split's image files, in label order
     * @param skipBad whether unreadable images were skipped
     */
    DecodedCache(Path root, String split, int resize, int crop, List<Path> files, boolean skipBad) {
        this.file = root.resolve(".sprig-cache").resolve(split + "-" + resize + "-" + crop + ".u8");
        this.crop = crop;
        this.digest = listingDigest(root, resize, crop, files, skipBad);
    }

    /** The path of the cache file. */
    Path file() {
        return file;
    }

    private static byte[] listingDigest(
            Path root, int resize, int crop, List<Path> files, boolean skipBad) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(
                    (VERSION + "|" + resize + "|" + crop + "|" + skipBad + "\n")
                            .getBytes(StandardCharsets.UTF_8));
            for (Path f : files) {
                String line =
                        root.relativize(f)
                                + "|"
                                + Files.size(f)
                                + "|"
                                + Files.getLastModifiedTime(f).toMillis()
                                + "\n";
                md.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return md.digest();
        } catch (IOException e) {
            // A file vanished while listing: no cache can be trusted; decoding will report it.
            return new byte[32];
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /**
     * Reads the cache when it matches the listing.
     *
     * @return the decoded split, or null when there is no valid cache
     */
    ImageFolderReader.Decoding read() {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            map.order(ByteOrder.BIG_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            map.get(magic);
            byte[] stored = new byte[32];
            if (!Arrays.equals(magic, MAGIC) || map.getInt() != VERSION) {
                return null;
            }
            map.get(stored);
            if (!Arrays.equals(stored, digest)) {
                return null;
            }
            int n = map.getInt();
            int side = map.getInt();
            boolean allGrey = map.get() != 0;
            if (side != crop || n <= 0) {
                return null;
            }
            int[] labels = new int[n];
            map.asIntBuffer().get(labels);
            map.position(map.position() + 4 * n);
            int skippedCount = map.getInt();
            List<String> skipped = new ArrayList<>();
            for (int i = 0; i < skippedCount; i++) {
                byte[] s = new byte[map.getInt()];
                map.get(s);
                skipped.add(new String(s, StandardCharsets.UTF_8));
            }
            byte[] pixels = new byte[n * 3 * side * side];
            if (map.remaining() != pixels.length) {
                return null;
            }
            map.get(pixels);
            return new ImageFolderReader.Decoding(pixels, labels, allGrey, skipped);
        } catch (IOException | RuntimeException e) {
            // Damaged or foreign: decode again and replace it.
            return null;
        }
    }

    /**
     * Writes the cache; a folder that cannot be written to only costs the next run a decode.
     *
     * @param d the decoded split
     */
    void write(ImageFolderReader.Decoding d) {
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp);
                    DataOutputStream out =
                            new DataOutputStream(new java.io.BufferedOutputStream(os, 1 << 16))) {
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.write(digest);
                out.writeInt(d.labels().length);
                out.writeInt(crop);
                out.writeByte(d.allGrey() ? 1 : 0);
                ByteBuffer labels = ByteBuffer.allocate(4 * d.labels().length);
                labels.asIntBuffer().put(d.labels());
                out.write(labels.array());
                out.writeInt(d.skipped().size());
                for (String s : d.skipped()) {
                    byte[] b = s.getBytes(StandardCharsets.UTF_8);
                    out.writeInt(b.length);
                    out.write(b);
                }
                out.write(d.pixels());
            }
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println(
                    "warning: cannot write the decoded-image cache "
                            + file
                            + ": "
                            + e.getMessage());
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
