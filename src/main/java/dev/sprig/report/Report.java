package dev.sprig.report;

import dev.sprig.SprigException;
import dev.sprig.train.RunFolder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The page a user opens after a set of runs, built to answer one question at a glance: what did
 * each method buy in accuracy, and what did it cost in training FLOPs and wall-clock time, next to
 * dense training of the same network? One self-contained HTML file (images embedded as data URIs,
 * no network, no side files): a headline per setting against its dense reference ({@link
 * Headline}), a table of every setting sortable by any column (seeds as mean ± standard deviation),
 * and the plots in a grid that folds to one column on a phone.
 *
 * <p>A small inline script sorts the table (a click on a heading, or {@code #sort=KEY} / {@code
 * #sort=-KEY} in the address for a sorted link) and, once the page has loaded, writes how many
 * images the browser decoded and whether the page is wider than the window, so a headless browser
 * can check the page as a user would see it. Each figure carries the tick labels its chart drew
 * ({@code data-ticks}), so the same check can read them.
 */
public final class Report {
    private Report() {}

    /**
     * The plots of a set of settings, in display order.
     *
     * @param groups the settings
     * @return the figures the runs' files support
     */
    public static List<Figure> figures(List<RunGroup> groups) {
        List<Figure> out = new ArrayList<>();
        add(
                out,
                Plots.cost(
                        "accuracy-vs-flops",
                        "Test accuracy vs training FLOPs",
                        "training FLOPs / dense training FLOPs",
                        groups,
                        RunRecord::flopsRatio));
        add(
                out,
                Plots.cost(
                        "accuracy-vs-wall",
                        "Test accuracy vs wall-clock time",
                        "wall time (s)",
                        groups,
                        r -> r.number("wall_seconds")));
        add(
                out,
                Plots.curves(
                        "test-accuracy",
                        groups,
                        "test_accuracy",
                        Plots.Against.EPOCH,
                        "Test accuracy per epoch"));
        add(
                out,
                Plots.curves(
                        "test-accuracy-vs-wall",
                        groups,
                        "test_accuracy",
                        Plots.Against.WALL,
                        "Test accuracy against wall time"));
        add(
                out,
                Plots.curves(
                        "train-loss",
                        groups,
                        "train_loss",
                        Plots.Against.EPOCH,
                        "Training loss per epoch"));
        add(out, Plots.maskChanges(groups));
        boolean several = groups.size() > 1;
        for (RunGroup g : groups) {
            RunRecord r = g.first();
            String prefix = several ? r.name() + "-" : "";
            add(out, renamed(Plots.perLayer(r), prefix));
            add(out, renamed(Plots.epi(r), prefix));
            r.ebDistances()
                    .forEach(
                            (ratio, m) ->
                                    out.add(
                                            Plots.distances(
                                                    prefix + "eb-distances-" + ratio,
                                                    r.name()
                                                            + ": mask distance, prune ratio "
                                                            + ratio,
                                                    m)));
            add(
                    out,
                    renamed(Plots.reliability(r.name() + ": reliability", r.evaluation()), prefix));
        }
        return out;
    }

    private static Figure renamed(Figure f, String prefix) {
        return f == null ? null : new Figure(prefix + f.key(), f.chart(), f.ticks(), f.caption());
    }

    private static void add(List<Figure> out, Figure f) {
        if (f != null) {
            out.add(f);
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
        for (Figure f : figures(RunGroup.of(List.of(RunRecord.read(dir))))) {
            Path png = plots.resolve(f.key().replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
            RunFolder.writeAtomic(png, f.png());
            files.add(png);
        }
        return files;
    }

    /**
     * Writes the HTML report of several runs, each setting against the dense run of the same model,
     * data set and schedule.
     *
     * @param dirs run folders
     * @param out the HTML file
     * @return the number of images embedded
     */
    public static int html(List<Path> dirs, Path out) {
        return html(dirs, out, null);
    }

    /**
     * Writes the HTML report of several runs.
     *
     * @param dirs run folders
     * @param out the HTML file
     * @param baseline the run every setting is compared with, or null to pick each setting's dense
     *     run of the same model, data set and schedule
     * @return the number of images embedded
     */
    public static int html(List<Path> dirs, Path out, Path baseline) {
        List<RunRecord> runs = new ArrayList<>();
        for (Path d : dirs) {
            runs.add(RunRecord.read(d));
        }
        List<RunGroup> groups = RunGroup.of(runs);
        List<Headline> headlines =
                Headline.of(groups, baseline == null ? null : Headline.groupOf(groups, baseline));
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
                .append("<title>Sprig report</title>\n<style>")
                .append(CSS)
                .append("</style></head><body>\n<h1>Sprig report</h1>\n<p>")
                .append(runs.size())
                .append(runs.size() == 1 ? " run" : " runs")
                .append(" in ")
                .append(groups.size())
                .append(groups.size() == 1 ? " setting" : " settings")
                .append(
                        " (runs that differ only in their seed form one setting). Each setting is"
                                + " compared with ")
                .append(
                        baseline == null
                                ? "the dense run of the same model, data set and schedule."
                                : "the run " + escape(baseline.toString()) + ".")
                .append("</p>\n");
        appendHeadlines(h, headlines);
        appendTable(h, headlines);
        List<Figure> figures = figures(groups);
        h.append("<section><h2>Plots</h2><div class=\"grid\">\n");
        for (Figure f : figures) {
            String data = Base64.getEncoder().encodeToString(f.png());
            h.append("<figure data-ticks=\"")
                    .append(escape(String.join("|", f.tickLabels())))
                    .append("\"><img alt=\"")
                    .append(escape(f.key()))
                    .append("\" src=\"data:image/png;base64,")
                    .append(data)
                    .append("\"><figcaption><b>")
                    .append(escape(f.key()))
                    .append("</b>")
                    .append(f.caption().isEmpty() ? "" : " " + escape(f.caption()))
                    .append("</figcaption></figure>\n");
        }
        h.append("</div></section>\n")
                .append("<p id=\"page-check\">page: not checked (scripts off)</p>\n<script>")
                .append(SCRIPT)
                .append("</script>\n</body></html>\n");
        RunFolder.writeAtomic(out, h.toString().getBytes(StandardCharsets.UTF_8));
        return figures.size();
    }

    private static void appendHeadlines(StringBuilder h, List<Headline> headlines) {
        h.append(
                "<section id=\"headlines\"><h2>What each setting bought</h2><div"
                        + " class=\"cards\">\n");
        for (Headline hl : headlines) {
            RunGroup g = hl.group();
            h.append("<div class=\"card\"><h3>")
                    .append(escape(g.label()))
                    .append("</h3><p class=\"runs\">")
                    .append(escape(g.names()))
                    .append("</p>");
            if (hl.baseline() == null) {
                h.append(
                        "<p class=\"none\">No dense run of the same model, data set and schedule"
                                + " in this report: nothing to compare with (name one with"
                                + " --baseline).</p>");
            } else if (hl.isReference()) {
                h.append("<p class=\"none\">The reference: test accuracy ")
                        .append(pct(g.stat("test_accuracy")))
                        .append(", wall time ")
                        .append(num(g.stat("wall_seconds").mean(), "%.1f s"))
                        .append(".</p>");
            } else {
                RunGroup.Stat acc = hl.accuracyPoints();
                h.append("<dl>")
                        .append(item("accuracy", points(acc), acc.mean() >= 0))
                        .append(
                                item(
                                        "training FLOPs",
                                        ratio(hl.flopsRatio()),
                                        hl.flopsRatio() <= 1))
                        .append(item("wall time", ratio(hl.wallRatio()), hl.wallRatio() <= 1))
                        .append(
                                item(
                                        "inference FLOPs",
                                        ratio(hl.inferenceRatio()),
                                        hl.inferenceRatio() <= 1))
                        .append(item("stored size", ratio(hl.storedRatio()), hl.storedRatio() <= 1))
                        .append("</dl><p class=\"vs\">vs ")
                        .append(escape(hl.baseline().label()))
                        .append(" (")
                        .append(escape(hl.baseline().names()))
                        .append(")</p>");
            }
            h.append("</div>\n");
        }
        h.append("</div></section>\n");
    }

    private static String item(String what, String value, boolean good) {
        return "<dt>"
                + what
                + "</dt><dd class=\""
                + (value.isEmpty() ? "" : good ? "better" : "worse")
                + "\">"
                + value
                + "</dd>";
    }

    private static void appendTable(StringBuilder h, List<Headline> headlines) {
        String[][] columns = {
            {"setting", "setting"},
            {"runs", "runs"},
            {"model", "model"},
            {"dataset", "data set"},
            {"seeds", "seeds"},
            {"test_accuracy", "test accuracy"},
            {"accuracy_vs_dense", "vs dense (pt)"},
            {"test_loss", "test loss"},
            {"sparsity", "sparsity"},
            {"nonzero_params", "non-zero params"},
            {"train_flops_ratio", "training FLOPs vs dense"},
            {"wall_seconds", "wall s"},
            {"wall_ratio", "wall vs dense"},
            {"inference_flops", "inference FLOPs"},
            {"epochs", "epochs"}
        };
        h.append("<section><h2>Runs</h2><div class=\"scroll\"><table id=\"runs\"><thead><tr>");
        for (String[] c : columns) {
            h.append("<th data-key=\"").append(c[0]).append("\">").append(c[1]).append("</th>");
        }
        h.append("</tr></thead><tbody>\n");
        for (Headline hl : headlines) {
            RunGroup g = hl.group();
            RunRecord r = g.first();
            RunGroup.Stat acc = g.stat("test_accuracy");
            RunGroup.Stat wall = g.stat("wall_seconds");
            h.append("<tr>")
                    .append(cell(g.label(), g.label()))
                    .append(cell(g.names(), g.names()))
                    .append(cell(r.text("model"), r.text("model")))
                    .append(cell(r.text("dataset"), r.text("dataset")))
                    .append(cell(g.size(), Integer.toString(g.size())))
                    .append(cell(acc.mean(), pct(acc)))
                    .append(
                            cell(
                                    hl.accuracyPoints().mean(),
                                    hl.baseline() == null || hl.isReference()
                                            ? ""
                                            : points(hl.accuracyPoints())))
                    .append(cell(g.stat("test_loss"), "%.4f"))
                    .append(cell(g.stat("sparsity").mean(), pct(g.stat("sparsity").mean())))
                    .append(cell(g.stat("nonzero_params"), "%,.0f"))
                    .append(
                            cell(
                                    g.stat(RunRecord::flopsRatio).mean(),
                                    ratio(g.stat(RunRecord::flopsRatio).mean())))
                    .append(cell(wall, "%.1f"))
                    .append(cell(hl.wallRatio(), ratio(hl.wallRatio())))
                    .append(cell(g.stat("inference_flops"), "%,.0f"))
                    .append(cell(g.stat("epochs"), "%.0f"))
                    .append("</tr>\n");
        }
        h.append("</tbody></table></div></section>\n");
    }

    private static String cell(Object sortValue, String shown) {
        String v =
                sortValue instanceof Double d
                        ? (Double.isFinite(d) ? Double.toString(d) : "")
                        : String.valueOf(sortValue);
        return "<td data-v=\"" + escape(v) + "\">" + escape(shown) + "</td>";
    }

    private static String cell(RunGroup.Stat s, String format) {
        String shown =
                s.n() == 0
                        ? ""
                        : s.n() > 1 && s.sd() > 0
                                ? num(s.mean(), format) + " ± " + num(s.sd(), format)
                                : num(s.mean(), format);
        return cell(s.mean(), shown);
    }

    /**
     * A percentage with its spread over seeds.
     *
     * @param s fractions' mean and standard deviation
     * @return e.g. {@code 97.44% ± 0.08}
     */
    static String pct(RunGroup.Stat s) {
        if (s.n() == 0) {
            return "";
        }
        return s.n() > 1
                ? String.format(Locale.ROOT, "%.2f%% ± %.2f", 100 * s.mean(), 100 * s.sd())
                : pct(s.mean());
    }

    /**
     * A difference in percentage points with a true minus sign and its spread over seeds.
     *
     * @param s the difference's mean and standard deviation, in points
     * @return e.g. {@code −0.47 pt} or {@code +0.10 ± 0.05 pt}
     */
    static String points(RunGroup.Stat s) {
        if (s.n() == 0 || !Double.isFinite(s.mean())) {
            return "";
        }
        String v = String.format(Locale.ROOT, "%+.2f", s.mean()).replace('-', '\u2212');
        return s.n() > 1 ? v + String.format(Locale.ROOT, " ± %.2f pt", s.sd()) : v + " pt";
    }

    /**
     * A cost ratio.
     *
     * @param r the ratio
     * @return three significant digits without trailing zeros, e.g. {@code 0.102×} or {@code 0.1×};
     *     "" when unknown
     */
    static String ratio(double r) {
        if (!Double.isFinite(r)) {
            return "";
        }
        String v = String.format(Locale.ROOT, "%.3g", r);
        if (v.contains(".") && !v.contains("e")) {
            v = v.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return v + "×";
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : "";
    }

    private static String num(double v, String format) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    private static final String CSS =
            "body{font-family:system-ui,sans-serif;margin:0 auto;padding:1em;max-width:1500px;"
                    + "color:#222}h2{margin-top:1.4em}"
                    + ".cards{display:grid;gap:1em;"
                    + "grid-template-columns:repeat(auto-fill,minmax(min(100%,260px),1fr))}"
                    + ".card{border:1px solid #ccd;border-radius:6px;padding:.4em 1em}"
                    + ".card h3{margin:.3em 0}.runs,.vs,.none{color:#555;font-size:.9em;"
                    + "overflow-wrap:anywhere}"
                    + ".card dl{display:grid;grid-template-columns:auto auto;gap:.15em 1em;"
                    + "margin:.4em 0}.card dt{color:#444}"
                    + ".card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums;"
                    + "font-weight:600}.better{color:#1a7f37}.worse{color:#b42318}"
                    + ".scroll{overflow-x:auto;max-width:100%}"
                    + "table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
                    + "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                    + "th{background:#f0f3f8;cursor:pointer;user-select:none}"
                    + "th[aria-sort=ascending]::after{content:' \\25B2'}"
                    + "th[aria-sort=descending]::after{content:' \\25BC'}"
                    + "td:nth-child(-n+4),th:nth-child(-n+4){text-align:left}"
                    + ".grid{display:grid;gap:1em;"
                    + "grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr))}"
                    + "figure{margin:0}img{width:100%;height:auto;border:1px solid #ddd}"
                    + "figcaption{font-size:.85em;color:#555;overflow-wrap:anywhere}"
                    + "#page-check{color:#666;margin-top:2em}";

    private static final String SCRIPT =
            """
            function sortBy(key, desc) {
              var t = document.getElementById('runs');
              var ths = t.tHead.rows[0].cells, col = -1;
              for (var i = 0; i < ths.length; i++) {
                ths[i].removeAttribute('aria-sort');
                if (ths[i].dataset.key === key) col = i;
              }
              if (col < 0) return;
              ths[col].setAttribute('aria-sort', desc ? 'descending' : 'ascending');
              var b = t.tBodies[0], rows = [].slice.call(b.rows);
              rows.sort(function (p, q) {
                var x = p.cells[col].dataset.v, y = q.cells[col].dataset.v;
                var nx = parseFloat(x), ny = parseFloat(y);
                var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
                return desc ? -c : c;
              });
              rows.forEach(function (r) { b.appendChild(r); });
            }
            [].forEach.call(document.querySelectorAll('#runs th'), function (th) {
              th.addEventListener('click', function () {
                sortBy(th.dataset.key, th.getAttribute('aria-sort') === 'ascending');
              });
            });
            var m = /#sort=(-?)([a-z_]+)/.exec(location.hash);
            if (m) sortBy(m[2], m[1] === '-');
            window.addEventListener('load', function () {
              var im = document.images, ok = 0;
              for (var i = 0; i < im.length; i++) {
                if (im[i].complete && im[i].naturalWidth > 0) ok++;
              }
              var d = document.documentElement, over = d.scrollWidth - d.clientWidth;
              document.getElementById('page-check').textContent = 'images loaded: ' + ok
                  + ' of ' + im.length + '; layout: '
                  + (over > 0 ? 'overflows by ' + over + ' px' : 'fits')
                  + ' at ' + window.innerWidth + ' px';
            });
            """;
}
