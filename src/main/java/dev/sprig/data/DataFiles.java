package dev.sprig.data;

import dev.sprig.SprigException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a whole data file into memory, transparently un-gzipping it when it starts with gzip magic.
 */
final class DataFiles {
    private DataFiles() {}

    static byte[] readAll(Path file) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
                in.transferTo(out);
                return out.toByteArray();
            }
        } catch (NoSuchFileException e) {
            throw new SprigException("data file not found: " + file);
        } catch (ZipException | java.io.EOFException e) {
            throw new SprigException(
                    "corrupt or truncated gzip file " + file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new SprigException("cannot read data file " + file + ": " + e.getMessage());
        }
    }
}
