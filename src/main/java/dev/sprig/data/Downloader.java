package dev.sprig.data;

import dev.sprig.SprigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Fetches the canonical files of a data set and verifies their MD5 checksums.
 *
 * <p>This is the only code in Sprig that opens a network connection, and it runs only when the user
 * asks for it ({@code sprig download}). Files are written to a temporary name and renamed once
 * their checksum matches, so a failed or interrupted download never leaves a file that looks valid.
 * CIFAR archives are unpacked next to the archive.
 */
public final class Downloader {
    private final HttpClient client;
    private final String baseUrlOverride;

    /** Creates a downloader for the canonical addresses, with a 30 s connection timeout. */
    public Downloader() {
        this(null);
    }

    /**
     * Creates a downloader that fetches every file from a mirror instead of the canonical address.
     *
     * @param baseUrlOverride mirror prefix ending in '/', or null for the canonical addresses
     */
    public Downloader(String baseUrlOverride) {
        this.baseUrlOverride = baseUrlOverride;
        this.client =
                HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(30))
                        .followRedirects(HttpClient.Redirect.NORMAL)
                        .build();
    }

    /**
     * Downloads (or re-verifies) every file of a data set into {@code root/<key>/}.
     *
     * @param dataset the data set
     * @param root the data root
     * @return the data set's folder
     * @throws SprigException when offline, on HTTP errors or on a checksum mismatch
     */
    public Path download(KnownDataset dataset, Path root) {
        Path dir = root.resolve(dataset.key());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SprigException("cannot create " + dir + ": " + e.getMessage());
        }
        for (String[] file : dataset.downloads()) {
            Path target = dir.resolve(file[0]);
            if (Files.isRegularFile(target) && md5(target).equals(file[1])) {
                continue;
            }
            String url = baseUrlOverride == null ? dataset.url(file[0]) : baseUrlOverride + file[0];
            fetch(dataset, url, target, file[1]);
            if (file[0].endsWith(".tar.gz")) {
                untar(target, dir);
            }
        }
        return dir;
    }

    private void fetch(KnownDataset dataset, String url, Path target, String expectedMd5) {
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        try {
            HttpRequest request =
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(10)).build();
            HttpResponse<InputStream> response =
                    client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw new SprigException(
                        "download of " + url + " failed with HTTP " + response.statusCode());
            }
            try (InputStream in = response.body();
                    OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            String actual = md5(tmp);
            if (!actual.equals(expectedMd5)) {
                Files.deleteIfExists(tmp);
                throw new SprigException(
                        "checksum mismatch for "
                                + url
                                + ": md5 "
                                + actual
                                + ", expected "
                                + expectedMd5);
            }
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new SprigException(
                    "cannot download "
                            + url
                            + " ("
                            + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + "); without internet, copy the files of "
                            + dataset.key()
                            + " into "
                            + target.getParent(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly(tmp);
            throw new SprigException("download of " + url + " interrupted");
        }
    }

    private static void untar(Path archive, Path dir) {
        try (InputStream in = new GzipCompressorInputStream(Files.newInputStream(archive));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = dir.resolve(entry.getName()).normalize();
                if (!out.startsWith(dir)) {
                    throw new SprigException(
                            "refusing archive entry outside " + dir + ": " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Path tmp = out.resolveSibling(out.getFileName() + ".part");
                    Files.copy(tar, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(
                            tmp,
                            out,
                            StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            throw new SprigException("cannot unpack " + archive + ": " + e.getMessage());
        }
    }

    /**
     * Computes a file's MD5 as lower-case hex.
     *
     * @param file the file
     * @return 32 hex digits
     */
    public static String md5(Path file) {
        try (InputStream in =
                new DigestInputStream(
                        Files.newInputStream(file), MessageDigest.getInstance("MD5"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new SprigException("cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the .part suffix already marks the file as incomplete
        }
    }
}
