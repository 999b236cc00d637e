package dev.sprig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Sprig never makes a network request: the engine starts and computes with networking unavailable,
 * and without any offline flag on the command line (the code sets them).
 */
class OfflineEngineTest {
    private static List<String> javaCommand(List<String> jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(EngineProbe.class.getName());
        return cmd;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("OPT_OUT_TRACKING");
        Process p = pb.start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
            throw new AssertionError("engine did not start within 120 s without network:\n" + out);
        }
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void engineStartsInsideANetworkNamespaceWithNoNetwork() throws Exception {
        boolean canUnshare;
        try {
            Process p = new ProcessBuilder("unshare", "-n", "true").start();
            canUnshare = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            canUnshare = false;
        }
        assumeTrue(canUnshare, "unshare -n is not permitted here; the proxy-trap test still runs");
        List<String> cmd = new ArrayList<>(List.of("unshare", "-n"));
        cmd.addAll(javaCommand(List.of("-XX:MaxDirectMemorySize=256m")));
        assertThat(run(cmd)).contains("probe-ok 262144.0 PyTorch");
    }

    @Test
    void engineStartMakesNoConnectionThroughAnyProxy() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (ServerSocket trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            trap.setSoTimeout(200);
            Thread accept =
                    new Thread(
                            () -> {
                                while (!trap.isClosed()) {
                                    try (Socket s = trap.accept()) {
                                        attempts.incrementAndGet();
                                    } catch (SocketTimeoutException e) {
                                        // poll until closed
                                    } catch (IOException e) {
                                        return;
                                    }
                                }
                            });
            accept.setDaemon(true);
            accept.start();
            String port = Integer.toString(trap.getLocalPort());
            String out =
                    run(
                            javaCommand(
                                    List.of(
                                            "-Dhttp.proxyHost=127.0.0.1",
                                            "-Dhttp.proxyPort=" + port,
                                            "-Dhttps.proxyHost=127.0.0.1",
                                            "-Dhttps.proxyPort=" + port,
                                            "-DsocksProxyHost=127.0.0.1",
                                            "-DsocksProxyPort=" + port,
                                            "-XX:MaxDirectMemorySize=256m")));
            assertThat(out).contains("probe-ok");
        }
        assertThat(attempts.get()).as("connections attempted during engine start").isZero();
    }
}
