package dev.sprig.report;

import dev.sprig.SprigException;
import dev.sprig.train.RunFolder;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of run results, each with axes labelled by {@link Ticks}. Each file is written
 * atomically, so a report never embeds half a file. Rendering is headless: no display is needed
 * (servers, CI).
 */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Chart width in pixels. */
    static final int WIDTH = 720;

    /** Chart height in pixels. */
    static final int HEIGHT = 480;

    private Plots() {}

    private static XYChart xy(String title, String xTitle, String yTitle) {
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(title)
                        .xAxisTitle(xTitle)
                        .yAxisTitle(yTitle)
                        .build();
        chart.getStyler()
                .setLegendPosition(Styler.LegendPosition.OutsideS)
                .setChartBackgroundColor(Color.WHITE);
        return chart;
    }

    /**
     * Test accuracy against a cost, one point per setting (seeds averaged, the standard deviation
     * as error bars), each labelled with its method and sparsity, and the Pareto front (the
     * settings no other one beats on both accuracy and cost) drawn through: the RigL paper's main
     * picture of accuracy bought per unit of cost.
     *
     * @param key figure key
     * @param title title
     * @param xTitle what the cost is
     * @param groups the settings
     * @param cost a run's cost
     * @return the figure, or null when no setting has both figures
     */
    public static Figure cost(
            String key,
            String title,
            String xTitle,
            List<RunGroup> groups,
            ToDoubleFunction<RunRecord> cost) {
        List<double[]> points = new ArrayList<>(); // cost, accuracy %, sd, group index
        for (int i = 0; i < groups.size(); i++) {
            RunGroup g = groups.get(i);
            double x = g.stat(cost).mean();
            RunGroup.Stat y = g.stat(r -> 100 * r.number("test_accuracy"));
            if (Double.isFinite(x) && Double.isFinite(y.mean())) {
                points.add(new double[] {x, y.mean(), y.sd(), i});
            }
        }
        if (points.isEmpty()) {
            return null;
        }
        Ticks.Log log = new Ticks.Log();
        XYChart chart = xy(title, xTitle, "test accuracy (%)");
        chart.getStyler()
                .setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                .setMarkerSize(12);
        Ticks.Scale xs = Ticks.scale(points.stream().mapToDouble(p -> p[0]).toArray(), true);
        double[] ySpan =
                points.stream()
                        .flatMapToDouble(p -> DoubleStream.of(p[1] - p[2], p[1] + p[2]))
                        .toArray();
        Ticks.Scale ys = Ticks.scale(ySpan, false);
        xs.applyX(chart, log);
        ys.applyY(chart, log);
        double lift = 0.045 * (ys.max() - ys.min());
        for (double[] p : points) {
            RunGroup g = groups.get((int) p[3]);
            String name = unique(chart, g.label());
            double px = xs.plot(p[0]);
            if (g.size() > 1) {
                chart.addSeries(name, new double[] {px}, new double[] {p[1]}, new double[] {p[2]});
            } else {
                chart.addSeries(name, new double[] {px}, new double[] {p[1]});
            }
            chart.addAnnotation(new AnnotationText(g.label(), px, p[1] + lift, false));
        }
        List<double[]> front = paretoFront(points);
        if (front.size() >= 2) {
            XYSeries s =
                    chart.addSeries(
                            "Pareto front",
                            front.stream().mapToDouble(p -> xs.plot(p[0])).toArray(),
                            front.stream().mapToDouble(p -> p[1]).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line)
                    .setMarker(SeriesMarkers.NONE)
                    .setLineColor(new Color(120, 120, 120));
        }
        String scale = xs.log() ? " Cost on a log scale." : "";
        return new Figure(
                key,
                chart,
                log,
                "One point per setting; seeds averaged, error bars one standard deviation."
                        + scale);
    }

    /**
     * The points no other beats: none has lower or equal cost with higher or equal accuracy and one
     * of the two strictly better. Sorted by cost.
     *
     * @param points (cost, accuracy, ...) rows
     * @return the front, cost ascending
     */
    static List<double[]> paretoFront(List<double[]> points) {
        List<double[]> front = new ArrayList<>();
        for (double[] p : points) {
            boolean dominated = false;
            for (double[] q : points) {
                if (q != p && q[0] <= p[0] && q[1] >= p[1] && (q[0] < p[0] || q[1] > p[1])) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                front.add(p);
            }
        }
        front.sort(Comparator.comparingDouble(p -> p[0]));
        return front;
    }

    /** What a learning curve is drawn against. */
    public enum Against {
        /** Epochs of each phase. */
        EPOCH,
        /** Seconds since the run started, over all phases. */
        WALL
    }

    /**
     * One learning curve per setting (and phase, against epochs): a metrics field averaged over the
     * setting's seeds epoch by epoch. Accuracies are drawn in percent.
     *
     * @param key figure key
     * @param groups the settings
     * @param field metrics key, e.g. {@code test_accuracy}
     * @param against epochs or wall time
     * @param title chart title
     * @return the figure, or null when no run has the field
     */
    public static Figure curves(
            String key, List<RunGroup> groups, String field, Against against, String title) {
        boolean percent = field.endsWith("accuracy");
        double scaleY = percent ? 100 : 1;
        String yTitle = field.replace('_', ' ') + (percent ? " (%)" : "");
        XYChart chart = xy(title, against == Against.EPOCH ? "epoch" : "wall time (s)", yTitle);
        chart.getStyler().setMarkerSize(4);
        List<Double> allX = new ArrayList<>();
        List<Double> allY = new ArrayList<>();
        for (RunGroup g : groups) {
            Map<String, List<double[]>> series = new java.util.LinkedHashMap<>();
            for (RunRecord r : g.runs()) {
                if (against == Against.WALL) {
                    List<double[]> pts = new ArrayList<>();
                    for (var e : r.timedLines()) {
                        var v = e.getValue().get(field);
                        if (v != null && v.isNumber()) {
                            pts.add(new double[] {e.getKey(), scaleY * v.asDouble()});
                        }
                    }
                    accumulate(series, "", pts);
                } else {
                    r.curves()
                            .forEach(
                                    (phase, lines) -> {
                                        List<double[]> pts = new ArrayList<>();
                                        int i = 0;
                                        for (var line : lines) {
                                            i++;
                                            var v = line.get(field);
                                            if (v != null && v.isNumber()) {
                                                double x =
                                                        line.has("epoch")
                                                                ? line.get("epoch").asDouble()
                                                                : i;
                                                pts.add(new double[] {x, scaleY * v.asDouble()});
                                            }
                                        }
                                        accumulate(series, phase, pts);
                                    });
                }
            }
            for (var e : series.entrySet()) {
                List<double[]> mean = e.getValue();
                if (mean.isEmpty()) {
                    continue;
                }
                double[] x = new double[mean.size()];
                double[] y = new double[mean.size()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = mean.get(i)[0] / mean.get(i)[2];
                    y[i] = mean.get(i)[1] / mean.get(i)[2];
                    allX.add(x[i]);
                    allY.add(y[i]);
                }
                String name = e.getKey().isEmpty() ? g.label() : g.label() + "/" + e.getKey();
                chart.addSeries(unique(chart, name), x, y);
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            return null;
        }
        Ticks.Log log = new Ticks.Log();
        Ticks.Scale xs =
                Ticks.scale(allX.stream().mapToDouble(Double::doubleValue).toArray(), false);
        (against == Against.EPOCH ? xs.withUnitSteps() : xs).applyX(chart, log);
        Ticks.scale(allY.stream().mapToDouble(Double::doubleValue).toArray(), false)
                .applyY(chart, log);
        return new Figure(key, chart, log, "Seeds averaged epoch by epoch.");
    }

    /** Adds one run's points to a series' running sums: (x sum, y sum, count) per index. */
    private static void accumulate(
            Map<String, List<double[]>> series, String name, List<double[]> pts) {
        List<double[]> sums = series.get(name);
        if (sums == null) {
            sums = new ArrayList<>();
            for (double[] p : pts) {
                sums.add(new double[] {p[0], p[1], 1});
            }
            series.put(name, sums);
            return;
        }
        // Only the epochs every seed reached are averaged.
        while (sums.size() > pts.size()) {
            sums.remove(sums.size() - 1);
        }
        for (int i = 0; i < sums.size(); i++) {
            sums.get(i)[0] += pts.get(i)[0];
            sums.get(i)[1] += pts.get(i)[1];
            sums.get(i)[2] += 1;
        }
    }

    /**
     * For dynamic sparse settings, the percentage of active connections each mask update moved: how
     * much the topology still explores, falling with the drop schedule (the first run of each
     * setting).
     *
     * @param groups the settings
     * @return the figure, or null when no run records mask updates
     */
    public static Figure maskChanges(List<RunGroup> groups) {
        XYChart chart = xy("Connections moved per mask update", "step", "moved (% of active)");
        chart.getStyler().setMarkerSize(5);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (RunGroup g : groups) {
            List<double[]> c = g.first().maskChanges();
            if (c.isEmpty()) {
                continue;
            }
            double[] x = c.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = c.stream().mapToDouble(p -> 100 * p[1]).toArray();
            for (int i = 0; i < x.length; i++) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
            chart.addSeries(unique(chart, g.first().label()), x, y);
        }
        if (chart.getSeriesMap().isEmpty()) {
            return null;
        }
        Ticks.Log log = new Ticks.Log();
        Ticks.scale(xs.stream().mapToDouble(Double::doubleValue).toArray(), false)
                .applyX(chart, log);
        Ticks.scale(ys.stream().mapToDouble(Double::doubleValue).toArray(), false)
                .applyY(chart, log);
        return new Figure("mask-changes", chart, log, "First seed of each setting.");
    }

    /**
     * Per-layer density (sparse runs, next to the density the distribution asked for) or kept
     * channels (structured runs) of one run. Layers are numbered on the axis and named in the
     * caption, so long names never crowd the axis.
     *
     * @param run the run
     * @return the figure, or null when the run records neither
     */
    public static Figure perLayer(RunRecord run) {
        Map<String, Double> values = run.perLayer();
        if (values.isEmpty()) {
            return null;
        }
        String kind = run.perLayerKind();
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(run.name() + ": per-layer " + kind)
                        .xAxisTitle("layer")
                        .yAxisTitle(kind)
                        .build();
        chart.getStyler()
                .setLegendPosition(Styler.LegendPosition.OutsideS)
                .setChartBackgroundColor(Color.WHITE);
        Ticks.Log log = new Ticks.Log();
        List<String> numbers = new ArrayList<>();
        StringBuilder caption = new StringBuilder("Layers: ");
        int i = 1;
        for (String name : values.keySet()) {
            numbers.add(Integer.toString(i));
            caption.append(i == 1 ? "" : ", ").append(i).append(' ').append(name);
            i++;
        }
        log.addAll(numbers);
        chart.addSeries(kind, numbers, new ArrayList<>(values.values()));
        Map<String, Double> target = run.targetDensities();
        if ("density".equals(kind) && target.keySet().containsAll(values.keySet())) {
            List<Double> t = new ArrayList<>();
            values.keySet().forEach(k -> t.add(target.get(k)));
            chart.addSeries("target (" + run.text("distribution") + ")", numbers, t);
        }
        double max = values.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax("density".equals(kind) ? 1.0 : max * 1.08);
        chart.setCustomYAxisTickLabelsFormatter(log.formatter());
        return new Figure("per-layer", chart, log, caption.append('.').toString());
    }

    /**
     * Early-Bird's pairwise mask distances (epoch × epoch): the dark block that forms when the
     * masks stop changing is the early-bird ticket appearing.
     *
     * @param key figure key
     * @param title title
     * @param distances square matrix
     * @return the figure
     */
    public static Figure distances(String key, String title, double[][] distances) {
        int n = distances.length;
        List<Integer> epochs = new ArrayList<>();
        List<Number[]> cells = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            epochs.add(i + 1);
            for (int j = 0; j < n; j++) {
                cells.add(new Number[] {i, j, distances[i][j]});
            }
        }
        HeatMapChart chart =
                new HeatMapChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(title)
                        .xAxisTitle("epoch")
                        .yAxisTitle("epoch")
                        .build();
        chart.getStyler()
                .setRangeColors(
                        new Color[] {
                            new Color(20, 40, 120), new Color(120, 180, 230), Color.WHITE
                        });
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.addSeries("mask distance", epochs, epochs, cells);
        Ticks.Log log = new Ticks.Log();
        log.addAll(epochs.stream().map(String::valueOf).toList());
        return new Figure(key, chart, log, "");
    }

    /**
     * The Early Pruning Indicator per warm-up epoch, with the threshold τ and the epoch it fired.
     *
     * @param run the run
     * @return the figure, or null when the run has no EPI series
     */
    public static Figure epi(RunRecord run) {
        List<Double> series = run.epiSeries();
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            if (series.get(i) != null) {
                x.add(i + 1.0);
                y.add(series.get(i));
            }
        }
        if (x.isEmpty()) {
            return null;
        }
        XYChart chart = xy(run.name() + ": Early Pruning Indicator", "epoch", "EPI");
        chart.addSeries("EPI", x, y);
        List<Double> ySpan = new ArrayList<>(y);
        double tau = run.number("epi_tau");
        if (Double.isFinite(tau)) {
            chart.addSeries(
                            "tau",
                            new double[] {x.get(0), x.get(x.size() - 1)},
                            new double[] {tau, tau})
                    .setMarker(SeriesMarkers.NONE);
            ySpan.add(tau);
        }
        double fired = run.number("prune_epoch");
        double lo = y.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        if (Double.isFinite(fired) && fired > 0) {
            chart.addSeries(
                            "pruned at epoch " + (int) fired,
                            new double[] {fired, fired},
                            new double[] {lo, 1.0})
                    .setMarker(SeriesMarkers.NONE);
            ySpan.add(1.0);
            x.add(fired);
        }
        Ticks.Log log = new Ticks.Log();
        Ticks.scale(x.stream().mapToDouble(Double::doubleValue).toArray(), false)
                .withUnitSteps()
                .applyX(chart, log);
        Ticks.scale(ySpan.stream().mapToDouble(Double::doubleValue).toArray(), false)
                .applyY(chart, log);
        return new Figure("epi", chart, log, "");
    }

    /**
     * A reliability diagram from an {@code evaluation.json}: per confidence bin (labelled by its
     * middle), the accuracy next to the mean confidence; a calibrated model has equal bars. Empty
     * bins are left out.
     *
     * @param title title
     * @param evaluation the evaluation suite's output
     * @return the figure, or null when it has no reliability bins
     */
    public static Figure reliability(
            String title, com.fasterxml.jackson.databind.JsonNode evaluation) {
        var bins = evaluation == null ? null : evaluation.get("reliability");
        if (bins == null || bins.isEmpty()) {
            return null;
        }
        List<String> labels = new ArrayList<>();
        List<Double> acc = new ArrayList<>();
        List<Double> conf = new ArrayList<>();
        for (var bin : bins) {
            if (bin.get("count").asLong() > 0) {
                double mid = (bin.get("lower").asDouble() + bin.get("upper").asDouble()) / 2;
                labels.add(Ticks.label(mid));
                acc.add(bin.get("accuracy").asDouble());
                conf.add(bin.get("confidence").asDouble());
            }
        }
        if (labels.isEmpty()) {
            return null;
        }
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(title)
                        .xAxisTitle("confidence (bin middle)")
                        .yAxisTitle("fraction")
                        .build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler()
                .setYAxisMin(0.0)
                .setYAxisMax(1.0)
                .setLegendPosition(Styler.LegendPosition.OutsideS)
                .setChartBackgroundColor(Color.WHITE);
        Ticks.Log log = new Ticks.Log();
        log.addAll(labels);
        chart.setCustomYAxisTickLabelsFormatter(log.formatter());
        chart.addSeries("mean confidence", labels, conf).setFillColor(new Color(200, 80, 80, 140));
        chart.addSeries("accuracy", labels, acc).setFillColor(new Color(60, 110, 200, 160));
        return new Figure("reliability", chart, log, "");
    }

    private static String unique(Chart<?, ?> chart, String name) {
        String n = name;
        int k = 2;
        while (chart.getSeriesMap().containsKey(n)) {
            n = name + " (" + k++ + ")";
        }
        return n;
    }

    /**
     * Renders a chart to PNG bytes.
     *
     * @param chart the chart
     * @return PNG data
     */
    public static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new SprigException("cannot render a chart: " + e.getMessage());
        }
    }

    /**
     * Writes a chart as PNG, atomically.
     *
     * @param chart the chart
     * @param png target file
     */
    public static void write(Chart<?, ?> chart, Path png) {
        RunFolder.writeAtomic(png, png(chart));
    }
}
