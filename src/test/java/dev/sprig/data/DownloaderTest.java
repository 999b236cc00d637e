package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.sprig.SprigException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exercises the downloader against a loopback server only; no test reaches the internet. */
class DownloaderTest {
    @TempDir Path tmp;

    @Test
    void offlineFailsWithOneLineSayingWhereToPutFiles() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Downloader d = new Downloader("http://127.0.0.1:" + port + "/");
        assertThatThrownBy(() -> d.download(KnownDataset.MNIST, tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("cannot download")
                .hasMessageContaining("copy the files of mnist into " + tmp.resolve("mnist"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        try (var files = Files.list(tmp.resolve("mnist"))) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void verifiesChecksumsAndKeepsNoBadFile() throws Exception {
        Map<String, byte[]> served = new HashMap<>();
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                ex -> {
                    byte[] body =
                            served.getOrDefault(
                                    ex.getRequestURI().getPath().substring(1), new byte[0]);
                    ex.sendResponseHeaders(
                            body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(body);
                    }
                });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            served.put("train-images-idx3-ubyte.gz", new byte[] {1, 2, 3});
            assertThatThrownBy(() -> new Downloader(base).download(KnownDataset.MNIST, tmp))
                    .isInstanceOf(SprigException.class)
                    .hasMessageContaining("checksum mismatch");
            assertThat(tmp.resolve("mnist/train-images-idx3-ubyte.gz")).doesNotExist();
            assertThat(tmp.resolve("mnist/train-images-idx3-ubyte.gz.part")).doesNotExist();
            served.clear();
            assertThatThrownBy(() -> new Downloader(base).download(KnownDataset.MNIST, tmp))
                    .hasMessageContaining("HTTP 404");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void md5MatchesKnownValue() throws Exception {
        Path f = Files.writeString(tmp.resolve("x"), "abc");
        assertThat(Downloader.md5(f)).isEqualTo("900150983cd24fb0d6963f7d28e17f72");
    }
}
