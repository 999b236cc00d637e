package dev.sprig.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir Path tmp;

    /** A run as the trainer writes it: config, summary and metrics lines. */
    private record Fixture(
            String name,
            String method,
            int seed,
            int epochs,
            double accuracy,
            double flops,
            double wall,
            double sparsity,
            boolean extras) {}

    private static Fixture dense(String name, double accuracy, double wall) {
        return new Fixture(name, "dense", 0, 3, accuracy, 1000, wall, 0, false);
    }

    private static Fixture rigl(String name, int seed, double accuracy, double wall) {
        return new Fixture(name, "rigl", seed, 3, accuracy, 100, wall, 0.9, false);
    }

    private Path write(Fixture f) throws Exception {
        Path d = tmp.resolve(f.name());
        Files.createDirectories(d);
        Files.writeString(
                d.resolve("config.yaml"),
                "method: \""
                        + f.method()
                        + "\"\nmodel: \"lenet-300-100\"\ndataset: \"mnist\"\nepochs: "
                        + f.epochs()
                        + "\nbatch_size: 128\nseed: "
                        + f.seed()
                        + "\nthreads: 0\nsparse:\n  sparsity: "
                        + f.sparsity()
                        + "\n");
        long params = 266610;
        long nonzero = Math.round(params * (1 - f.sparsity()));
        String extras =
                f.extras()
                        ? ", \"layer_densities\": {\"fc1\": 0.08, \"fc2\": 0.23, \"fc3\": 1.0},"
                                + " \"target_layer_densities\": {\"fc1\": 0.08, \"fc2\": 0.23,"
                                + " \"fc3\": 1.0}, \"distribution\": \"erk\", \"epi_series\":"
                                + " [null, null, 0.91, 0.95, 0.99], \"epi_tau\": 0.983,"
                                + " \"prune_epoch\": 5"
                        : "";
        Files.writeString(
                d.resolve("summary.json"),
                "{\"method\": \""
                        + f.method()
                        + "\", \"model\": \"lenet-300-100\", \"dataset\": \"mnist\","
                        + " \"test_accuracy\": "
                        + f.accuracy()
                        + ", \"test_loss\": 0.3, \"sparsity\": "
                        + f.sparsity()
                        + ", \"params\": "
                        + params
                        + ", \"nonzero_params\": "
                        + nonzero
                        + ", \"train_flops\": "
                        + f.flops()
                        + ", \"dense_train_flops\": 1000, \"inference_flops\": "
                        + Math.round(53000 * (1 - f.sparsity()))
                        + ", \"wall_seconds\": "
                        + f.wall()
                        + ", \"epochs\": "
                        + f.epochs()
                        + ", \"seed\": "
                        + f.seed()
                        + extras
                        + "}");
        StringBuilder m = new StringBuilder();
        for (int e = 1; e <= f.epochs(); e++) {
            m.append("{\"epoch\": ")
                    .append(e)
                    .append(", \"train_loss\": ")
                    .append(1.0 / e)
                    .append(", \"test_accuracy\": ")
                    .append(f.accuracy() - 0.1 / e)
                    .append(", \"epoch_seconds\": ")
                    .append(f.wall() / f.epochs());
            if (f.method().equals("rigl")) {
                m.append(", \"mask_changed_fraction\": [[")
                        .append(100 * e)
                        .append(", ")
                        .append(0.3 / e)
                        .append("]]");
            }
            m.append("}\n");
        }
        Files.writeString(d.resolve("metrics.jsonl"), m.toString());
        if (f.extras()) {
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

    /** Dense, RigL over three seeds, and a dense run of another schedule. */
    private List<Path> mainJobAndSeeds() throws Exception {
        return List.of(
                write(dense("ref", 0.98, 20)),
                write(rigl("rigl", 0, 0.97, 5)),
                write(rigl("rigl-s1", 1, 0.96, 6)),
                write(rigl("rigl-s2", 2, 0.95, 7)),
                write(new Fixture("long", "dense", 0, 5, 0.985, 1000, 33, 0, false)));
    }

    @Test
    void seedsFormOneSettingWithMeanAndSampleDeviation() throws Exception {
        List<RunRecord> runs = new ArrayList<>();
        for (Path p : mainJobAndSeeds()) {
            runs.add(RunRecord.read(p));
        }
        List<RunGroup> groups = RunGroup.of(runs);
        assertThat(groups).extracting(RunGroup::size).containsExactly(1, 3, 1);
        RunGroup rigl = groups.get(1);
        assertThat(rigl.label()).isEqualTo("rigl s=0.9 (3 seeds)");
        // 0.97, 0.96, 0.95: mean 0.96, sample deviation 0.01.
        assertThat(rigl.stat("test_accuracy").mean()).isCloseTo(0.96, within(1e-12));
        assertThat(rigl.stat("test_accuracy").sd()).isCloseTo(0.01, within(1e-12));
        assertThat(groups.get(0).stat("test_accuracy").sd()).isZero();
    }

    @Test
    void headlinesCompareWithTheDenseRunOfTheSameSchedule() throws Exception {
        List<RunRecord> runs = new ArrayList<>();
        for (Path p : mainJobAndSeeds()) {
            runs.add(RunRecord.read(p));
        }
        runs.add(
                RunRecord.read(
                        write(new Fixture("rigl-long", "rigl", 0, 7, 0.9, 100, 9, 0.9, false))));
        List<RunGroup> groups = RunGroup.of(runs);
        List<Headline> h = Headline.of(groups, null);
        assertThat(h.get(0).isReference()).isTrue();
        Headline rigl = h.get(1);
        assertThat(rigl.baseline()).isSameAs(groups.get(0));
        // (0.97 + 0.96 + 0.95) / 3 - 0.98 = -2 points; sd over the seeds 1 point.
        assertThat(rigl.accuracyPoints().mean()).isCloseTo(-2.0, within(1e-9));
        assertThat(rigl.accuracyPoints().sd()).isCloseTo(1.0, within(1e-9));
        assertThat(rigl.flopsRatio()).isCloseTo(0.1, within(1e-12));
        assertThat(rigl.wallRatio()).isCloseTo(6.0 / 20, within(1e-12));
        assertThat(rigl.inferenceRatio()).isCloseTo(5300.0 / 53000, within(1e-12));
        // Stored: 26661 values x 4 bytes + 266610 bits (33327 bytes) against 266610 x 4 bytes.
        assertThat(rigl.storedRatio())
                .isCloseTo((4.0 * 26661 + 33327) / (4.0 * 266610), within(1e-12));
        // A seven-epoch RigL run has no dense run of seven epochs here.
        assertThat(h.get(3).baseline()).isNull();
        assertThat(Double.isNaN(h.get(3).wallRatio())).isTrue();
        // Named: everything against the five-epoch dense run.
        RunGroup named = Headline.groupOf(groups, tmp.resolve("long"));
        List<Headline> all = Headline.of(groups, named);
        assertThat(all.get(1).wallRatio()).isCloseTo(6.0 / 33, within(1e-12));
        assertThat(all.get(2).isReference()).isTrue();
        assertThatThrownBy(() -> Headline.groupOf(groups, tmp.resolve("elsewhere")))
                .hasMessageContaining("not one of the report's runs");
    }

    @Test
    void costsSpanningDecadesAreDrawnOnALogAxisLabelledAtEachDecade() throws Exception {
        List<RunRecord> runs = new ArrayList<>();
        runs.add(RunRecord.read(write(dense("ref", 0.98, 20))));
        runs.add(RunRecord.read(write(new Fixture("s99", "rigl", 0, 3, 0.9, 1, 5, 0.99, false))));
        runs.add(RunRecord.read(write(new Fixture("s95", "rigl", 0, 3, 0.95, 50, 5, 0.95, false))));
        Figure f = Plots.cost("k", "t", "training FLOPs", RunGroup.of(runs), RunRecord::flopsRatio);
        f.png();
        // 0.001x to 1x: decades 1e-3 .. 1e0, each labelled, nothing between them.
        List<String> drawn = f.tickLabels();
        assertThat(drawn).contains("0.001", "0.01", "0.1", "1").doesNotContain("0.0316");
        assertThat(Figure.drawnLabels(f.chart())).isEqualTo(drawn);
    }

    @Test
    void theParetoFrontKeepsThePointsNothingBeats() {
        double[] a = {1, 90};
        double[] b = {0.5, 92};
        double[] c = {0.3, 85};
        double[] d = {0.6, 91};
        double[] e = {0.3, 84};
        assertThat(Plots.paretoFront(List.of(a, b, c, d, e))).containsExactly(c, b);
    }

    @Test
    void reportShowsHeadlinesTableAndEveryPlotTheFoldersSupport() throws Exception {
        List<Path> dirs = new ArrayList<>(mainJobAndSeeds());
        dirs.add(write(new Fixture("rigl-long", "rigl", 0, 7, 0.9, 100, 9, 0.9, false)));
        dirs.add(write(new Fixture("extras", "snip", 0, 3, 0.9, 300, 4, 0.9, true)));
        Path html = tmp.resolve("report.html");
        int images = Report.html(dirs, html);
        // accuracy vs FLOPs and vs wall, test accuracy per epoch and vs wall, train loss, moved
        // connections; per-layer bars, EPI curve, EB heat map, reliability of the extras run.
        assertThat(images).isEqualTo(10);
        String page = Files.readString(html);
        assertThat(page)
                .contains(
                        "\u22122.00 ± 1.00 pt", // RigL's three seeds against dense
                        "0.1×", // training FLOPs 100 / 1000
                        "0.3×", // wall time 6 s mean / 20 s
                        "96.00% ± 1.00",
                        "No dense run of the same model, data set and schedule",
                        "data:image/png;base64,",
                        "Layers: 1 fc1, 2 fc2, 3 fc3")
                .doesNotContain("src=\"http", "href=\"http");
        assertThat(page.split("<img ", -1)).hasSize(images + 1);
        List<String> ticks = ticks(page);
        assertThat(ticks).hasSize(images);
        for (String t : ticks) {
            // Both axes of every plot carry labels: at least two each.
            assertThat(t.split("\\|")).as(t).hasSizeGreaterThanOrEqualTo(4);
            for (String label : t.split("\\|")) {
                assertThat(label.length()).as(label).isBetween(1, Ticks.MAX_LABEL);
            }
        }
        // Three epochs: the epoch axis reads whole epochs only.
        String curve = ticks.get(2);
        assertThat(curve.split("\\|")).contains("1", "2", "3").doesNotContain("1.5", "2.5");
        List<Path> pngs = Report.writeRunPlots(dirs.get(dirs.size() - 1));
        // One run: cost plots, curves (no moved connections: not a dynamic method) and its own.
        assertThat(pngs).hasSize(9);
        for (Path p : pngs) {
            byte[] head = Files.readAllBytes(p);
            assertThat(head[1]).isEqualTo((byte) 'P'); // PNG signature \\x89PNG
        }
        assertThatThrownBy(() -> Report.html(List.of(tmp.resolve("none")), html))
                .hasMessageContaining("no summary.json");
    }

    /** The tick labels each figure publishes, as the page carries them. */
    private static List<String> ticks(String page) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<figure data-ticks=\"([^\"]*)\"").matcher(page);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
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

    private String dom(String browser, String url, int width) throws Exception {
        List<String> cmd =
                List.of(
                        browser,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"),
                        "--window-size=" + width + ",900",
                        "--virtual-time-budget=10000",
                        "--dump-dom",
                        url);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return dom;
    }

    @Test
    void headlessBrowserShowsTheDecisionPageAtDesktopAndPhoneWidths() throws Exception {
        Optional<String> browser = chromium();
        Assumptions.assumeTrue(
                browser.isPresent(),
                "chromium not installed (apt-get install chromium): the browser check of the report"
                        + " is skipped");
        List<Path> dirs = new ArrayList<>(mainJobAndSeeds());
        dirs.add(write(new Fixture("extras", "snip", 0, 3, 0.9, 300, 4, 0.9, true)));
        Path html = tmp.resolve("report.html");
        int images = Report.html(dirs, html);
        // A phone's 390 px: headless Chromium widens windows under 500 px to 500.
        for (int width : new int[] {1280, 390}) {
            String dom = dom(browser.get(), html.toUri() + "#sort=-test_accuracy", width);
            assertThat(dom)
                    .as("at %d px", width)
                    .contains("images loaded: " + images + " of " + images);
            Matcher fits = Pattern.compile("layout: fits at (\\d+) px").matcher(dom);
            assertThat(fits.find()).as("no horizontal overflow at %d px", width).isTrue();
            assertThat(Integer.parseInt(fits.group(1))).isBetween(width, Math.max(width, 500));
            // Every setting's headline numbers are in the page text.
            assertThat(dom).contains("\u22122.00 ± 1.00 pt", "0.1×", "0.3×", "The reference");
            // The tick labels the plots were drawn with, read back from the page.
            List<String> ticks = ticks(dom);
            assertThat(ticks).hasSize(images);
            ticks.forEach(
                    t -> {
                        for (String label : t.split("\\|")) {
                            assertThat(label.length()).as(label).isBetween(1, Ticks.MAX_LABEL);
                        }
                    });
            // The address sorted the table by test accuracy, best first.
            int best = dom.indexOf("<td data-v=\"long\">");
            int dense = dom.indexOf("<td data-v=\"ref\">");
            int rigl = dom.indexOf("<td data-v=\"rigl, rigl-s1, rigl-s2\">");
            assertThat(best).isPositive().isLessThan(dense);
            assertThat(dense).isLessThan(rigl);
            assertThat(dom).contains("aria-sort=\"descending\"");
        }
    }
}
