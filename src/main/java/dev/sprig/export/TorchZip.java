package dev.sprig.export;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A zip of stored entries whose data starts at multiples of 64 bytes, padded through an extra field
 * as PyTorch's own writer does.
 */
final class TorchZip implements AutoCloseable {
    private static final int ALIGNMENT = 64;

    // A DOS date (from 1980) that Java stores without an extended-timestamp field, which would
    // shift the data.
    private static final LocalDateTime EPOCH = LocalDateTime.of(2000, 1, 1, 0, 0);
    private final Counting counting;
    private final ZipOutputStream zip;
    private final Set<String> names = new HashSet<>();

    TorchZip(OutputStream raw) {
        counting = new Counting(raw);
        zip = new ZipOutputStream(counting);
        zip.setMethod(ZipOutputStream.STORED);
    }

    void put(String name, byte[] data) throws IOException {
        if (!names.add(name)) {
            throw new IllegalStateException("duplicate zip entry " + name);
        }
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setTimeLocal(EPOCH);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        int nameLength = name.getBytes(StandardCharsets.UTF_8).length;
        long start = counting.count + 30 + nameLength + 4;
        int pad = (int) ((ALIGNMENT - start % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[4 + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >> 8);
        java.util.Arrays.fill(extra, 4, extra.length, (byte) 'Z');
        e.setExtra(extra);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    /** What goes into an archive, entry by entry. */
    interface Entries {
        /**
         * Writes the entries.
         *
         * @param zip the archive
         * @throws IOException on write failure
         */
        void put(TorchZip zip) throws IOException;
    }

    /**
     * Writes an archive atomically: into a temporary file beside it, then renamed over it.
     *
     * @param file the archive
     * @param entries its entries
     * @return the bytes written
     * @throws dev.sprig.SprigException naming the file when it cannot be written
     */
    static long write(java.nio.file.Path file, Entries entries) {
        java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream raw = java.nio.file.Files.newOutputStream(tmp);
                    TorchZip zip = new TorchZip(raw)) {
                entries.put(zip);
            }
            java.nio.file.Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return java.nio.file.Files.size(file);
        } catch (IOException e) {
            throw new dev.sprig.SprigException("cannot write " + file + ": " + e.getMessage());
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temp file is only litter
            }
        }
    }

    /** Counts the bytes written, to place the next entry's data. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
