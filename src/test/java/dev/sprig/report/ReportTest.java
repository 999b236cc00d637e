package dev.sprig.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir Path tmp;

    /** A run folder as the trainer and the pipelines write it, with every optional file present. */
    private Path run(String name, double accuracy, double flops, boolean extras) throws Exception {
        Path d = tmp.resolve(name);
        Files.createDirectories(d);
        String perLayer =
                extras
                        ? ", \"layer_densities\": {\"fc1\": 0.1, \"fc2\": 0.2, \"fc3\": 0.5},"
                                + " \"epi_series\": [null, null, 0.91, 0.95, 0.99], \"epi_tau\":"
                                + " 0.983, \"prune_epoch\": 5"
                        : "";
        Files.writeString(
                d.resolve("summary.json"),
                "{\"method\": \"rigl\", \"model\": \"lenet-300-100\", \"dataset\": \"mnist\","
                        + " \"test_accuracy\": "
                        + accuracy
                        + ", \"test_loss\": 0.3, \"sparsity\": 0.9, \"params\": 266610,"
                        + " \"nonzero_params\": 26661, \"train_flops\": "
                        + flops
                        + ", \"dense_train_flops\": 1000, \"inference_flops\": 53000,"
                        + " \"wall_seconds\": 12.5, \"epochs\": 3, \"seed\": 0"
                        + perLayer
                        + "}");
        StringBuilder m = new StringBuilder();
        for (int e = 1; e <= 3; e++) {
            m.append("{\"epoch\": ")
                    .append(e)
                    .append(", \"train_loss\": ")
                    .append(1.0 / e)
                    .append(", \"test_accuracy\": ")
                    .append(accuracy - 0.1 / e)
                    .append("}\n");
        }
        Files.writeString(d.resolve("metrics.jsonl"), m.toString());
        if (extras) {
            Files.writeString(
                    d.resolve("eb_distances.json"),
                    "{\"0.5\": [[0, 0.2, 0.3], [0.2, 0, 0.05], [0.3, 0.05, 0]]}");
            Files.writeString(
                    d.resolve("evaluation.json"),
                    "{\"reliability\": [{\"lower\": 0, \"upper\": 0.5, \"count\": 3,"
                        + " \"confidence\": 0.4, \"accuracy\": 0.33}, {\"lower\": 0.5, \"upper\":"
                        + " 1, \"count\": 7, \"confidence\": 0.9, \"accuracy\": 0.86}]}");
        }
        return d;
    }

    @Test
    void reportEmbedsEveryPlotTheFoldersSupport() throws Exception {
        Path a = run("a", 0.95, 300, true);
        Path b = run("b", 0.97, 1000, false);
        Path html = tmp.resolve("report.html");
        int images = Report.html(List.of(a, b), html);
        // accuracy vs FLOPs, test accuracy, train loss, a's per-layer bars, EPI curve, EB heat map,
        // reliability.
        assertThat(images).isEqualTo(7);
        String page = Files.readString(html);
        assertThat(page)
                .contains("95.00%", "0.300×", "data:image/png;base64,")
                .doesNotContain("src=\"http");
        assertThat(page.split("<img ", -1)).hasSize(8);
        List<Path> pngs = Report.writeRunPlots(a);
        assertThat(pngs).hasSize(7);
        for (Path p : pngs) {
            byte[] head = Files.readAllBytes(p);
            assertThat(head[1]).isEqualTo((byte) 'P'); // PNG signature \\x89PNG
        }
        assertThatThrownBy(() -> Report.html(List.of(tmp.resolve("none")), html))
                .hasMessageContaining("no summary.json");
    }

    private static Optional<String> chromium() {
        for (String c : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, c))) {
                    return Optional.of(Path.of(dir, c).toString());
                }
            }
        }
        return Optional.empty();
    }

    @Test
    void headlessBrowserLoadsEveryImage() throws Exception {
        Optional<String> browser = chromium();
        Assumptions.assumeTrue(
                browser.isPresent(),
                "chromium not installed (apt-get install chromium): the browser check of the report"
                        + " is skipped");
        Path html = tmp.resolve("report.html");
        int images =
                Report.html(List.of(run("a", 0.95, 300, true), run("b", 0.97, 1000, false)), html);
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                browser.get(),
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--virtual-time-budget=10000",
                                "--dump-dom",
                                html.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(dom).contains("images loaded: " + images + " of " + images);
    }
}
