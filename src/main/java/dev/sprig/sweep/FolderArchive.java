package dev.sprig.sweep;

import dev.sprig.SprigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A run folder as one compressed byte array, so a worker without a shared file system can send a
 * finished run back to the driver (and the driver a half-finished one to a worker), and the driver
 * can put it in place atomically.
 */
public final class FolderArchive {
    private FolderArchive() {}

    /**
     * Packs a folder.
     *
     * @param dir the folder
     * @return its files, zipped (paths relative to it)
     */
    public static byte[] pack(Path dir) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes);
                Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                if (name.equals(".lock") || name.endsWith(".tmp")) {
                    continue;
                }
                zip.putNextEntry(new ZipEntry(name));
                Files.copy(p, zip);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new SprigException("cannot pack " + dir + ": " + e.getMessage());
        }
        return bytes.toByteArray();
    }

    /**
     * Unpacks an archive into an empty or missing folder.
     *
     * @param archive bytes from {@link #pack}
     * @param dir where the files go
     * @throws SprigException for an entry that would land outside {@code dir}
     */
    public static void unpack(byte[] archive, Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            Files.createDirectories(root);
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root) || e.isDirectory()) {
                    if (!target.startsWith(root)) {
                        throw new SprigException(
                                "archive entry outside its folder: " + e.getName());
                    }
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.copy((InputStream) zip, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new SprigException("cannot unpack into " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Puts an archived run folder at {@code target}, replacing what is there in one rename (the
     * files are unpacked beside it first; the old folder is removed only once the new one is in
     * place).
     *
     * @param archive the run folder, packed
     * @param target its place
     */
    public static void install(byte[] archive, Path target) {
        Path incoming = target.resolveSibling(target.getFileName() + ".incoming");
        Path previous = target.resolveSibling(target.getFileName() + ".previous");
        try {
            delete(incoming);
            delete(previous);
            unpack(archive, incoming);
            if (Files.exists(target)) {
                Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
            delete(previous);
        } catch (IOException e) {
            throw new SprigException("cannot put the run in " + target + ": " + e.getMessage());
        }
    }

    /**
     * Removes a folder and everything under it, if it exists.
     *
     * @param dir the folder
     * @throws IOException when a file cannot be removed
     */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }
}
