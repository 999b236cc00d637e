package dev.sprig.report;

import dev.sprig.SprigException;
import dev.sprig.train.RunFolder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * The page a user opens after a set of runs: one self-contained HTML file (images embedded as data
 * URIs, no network, no side files) with the runs' figures side by side and every plot their folders
 * support. A small inline script counts the images the browser decoded and prints the count at the
 * bottom, so a headless browser can verify the page as a user would see it.
 */
public final class Report {
    private Report() {}

    /**
     * The plots of a set of runs, by title.
     *
     * @param runs the runs
     * @return title to chart, in display order
     */
    public static Map<String, Chart<?, ?>> charts(List<RunRecord> runs) {
        Map<String, Chart<?, ?>> out = new LinkedHashMap<>();
        out.put("accuracy-vs-flops", Plots.accuracyVsFlops(runs));
        put(out, "test-accuracy", Plots.curves(runs, "test_accuracy", "Test accuracy per epoch"));
        put(out, "train-loss", Plots.curves(runs, "train_loss", "Training loss per epoch"));
        for (RunRecord r : runs) {
            put(out, r.name() + "-per-layer", Plots.perLayer(r));
            put(out, r.name() + "-epi", Plots.epi(r));
            r.ebDistances()
                    .forEach(
                            (ratio, m) ->
                                    out.put(
                                            r.name() + "-eb-distances-" + ratio,
                                            Plots.distances(
                                                    r.name()
                                                            + ": mask distance, prune ratio "
                                                            + ratio,
                                                    m)));
            put(
                    out,
                    r.name() + "-reliability",
                    Plots.reliability(r.name() + ": reliability", r.evaluation()));
        }
        return out;
    }

    private static void put(Map<String, Chart<?, ?>> out, String key, Chart<?, ?> chart) {
        if (chart != null) {
            out.put(key, chart);
        }
    }

    /**
     * Writes the plots of one run as PNG files into {@code plots/} of its folder.
     *
     * @param dir the run folder
     * @return the files written
     */
    public static List<Path> writeRunPlots(Path dir) {
        List<Path> files = new ArrayList<>();
        Path plots = dir.resolve("plots");
        try {
            Files.createDirectories(plots);
        } catch (java.io.IOException e) {
            throw new SprigException("cannot create " + plots + ": " + e.getMessage());
        }
        RunRecord r = RunRecord.read(dir);
        charts(List.of(r))
                .forEach(
                        (name, chart) -> {
                            Path png =
                                    plots.resolve(
                                            fileName(
                                                            name.startsWith(r.name() + "-")
                                                                    ? name.substring(
                                                                            r.name().length() + 1)
                                                                    : name)
                                                    + ".png");
                            Plots.write(chart, png);
                            files.add(png);
                        });
        return files;
    }

    /**
     * Writes the HTML report of several runs.
     *
     * @param dirs run folders
     * @param out the HTML file
     * @return the number of images embedded
     */
    public static int html(List<Path> dirs, Path out) {
        List<RunRecord> runs = new ArrayList<>();
        for (Path d : dirs) {
            runs.add(RunRecord.read(d));
        }
        StringBuilder h = new StringBuilder();
        h.append(
                        "<!DOCTYPE html>\n"
                                + "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sprig"
                                + " report</title>\n"
                                + "<style>")
                .append(
                        "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
                                + "table{border-collapse:collapse;margin:1em 0}")
                .append(
                        "th,td{border:1px solid #ccc;padding:4px"
                                + " 8px;text-align:right}th{background:#f0f3f8}")
                .append(
                        "td:first-child,th:first-child{text-align:left}"
                                + "figure{display:inline-block;margin:0.5em}")
                .append(
                        "img{max-width:100%;border:1px solid #ddd}"
                                + "#image-check{color:#666;margin-top:2em}</style></head><body>\n")
                .append("<h1>Sprig report</h1>\n<p>")
                .append(runs.size())
                .append(" run")
                .append(runs.size() == 1 ? "" : "s")
                .append(
                        ". Training FLOPs are relative to dense training of the same network for"
                                + " the same steps.</p>\n");
        h.append(
                        "<table><tr><th>run</th><th>method</th><th>model</th><th>dataset</th>"
                                + "<th>test accuracy</th><th>test loss</th>")
                .append(
                        "<th>sparsity</th><th>non-zero params</th><th>training FLOPs vs"
                                + " dense</th><th>inference FLOPs</th>")
                .append("<th>wall s</th><th>epochs</th><th>seed</th></tr>\n");
        for (RunRecord r : runs) {
            h.append("<tr><td>")
                    .append(escape(r.dir().toString()))
                    .append("</td><td>")
                    .append(text(r, "method"))
                    .append("</td><td>")
                    .append(text(r, "model"))
                    .append("</td><td>")
                    .append(text(r, "dataset"))
                    .append("</td><td>")
                    .append(pct(r.number("test_accuracy")))
                    .append("</td><td>")
                    .append(num(r.number("test_loss"), "%.4f"))
                    .append("</td><td>")
                    .append(pct(r.number("sparsity")))
                    .append("</td><td>")
                    .append(num(r.number("nonzero_params"), "%,.0f"))
                    .append("</td><td>")
                    .append(num(r.flopsRatio(), "%.3f×"))
                    .append("</td><td>")
                    .append(num(r.number("inference_flops"), "%,.0f"))
                    .append("</td><td>")
                    .append(num(r.number("wall_seconds"), "%.1f"))
                    .append("</td><td>")
                    .append(num(r.number("epochs"), "%.0f"))
                    .append("</td><td>")
                    .append(num(r.number("seed"), "%.0f"))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
        int images = 0;
        for (Map.Entry<String, Chart<?, ?>> e : charts(runs).entrySet()) {
            String data = Base64.getEncoder().encodeToString(Plots.png(e.getValue()));
            h.append("<figure><img alt=\"")
                    .append(escape(e.getKey()))
                    .append("\" src=\"data:image/png;base64,")
                    .append(data)
                    .append("\"><figcaption>")
                    .append(escape(e.getKey()))
                    .append("</figcaption></figure>\n");
            images++;
        }
        h.append(
                        "<p id=\"image-check\">images: not checked (scripts off)</p>\n"
                                + "<script>window.addEventListener('load',function(){")
                .append(
                        "var im=document.images,ok=0;"
                                + "for(var i=0;i<im.length;i++){"
                                + "if(im[i].complete&&im[i].naturalWidth>0)ok++;}")
                .append(
                        "document.getElementById('image-check').textContent='images loaded: '+ok+'"
                                + " of '+im.length;});</script>\n")
                .append("</body></html>\n");
        RunFolder.writeAtomic(out, h.toString().getBytes(StandardCharsets.UTF_8));
        return images;
    }

    private static String text(RunRecord r, String key) {
        Object v = r.summary().get(key);
        return v == null ? "" : escape(v.toString());
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : "";
    }

    private static String num(double v, String format) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "";
    }

    private static String fileName(String key) {
        return key.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
