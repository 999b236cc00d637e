package dev.sprig.report;

import dev.sprig.SprigException;
import dev.sprig.train.RunFolder;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of run results. Each is written atomically, so a report never embeds half a file.
 * Rendering is headless: no display is needed (servers, CI).
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

    /**
     * A reliability diagram: per confidence bin, the accuracy next to the mean confidence; a
     * calibrated model has equal bars. Empty bins are left out.
     */
    private static CategoryChart reliabilityChart(
            double[] lower,
            double[] upper,
            long[] counts,
            double[] confidence,
            double[] accuracy,
            String title) {
        List<String> labels = new ArrayList<>();
        List<Double> acc = new ArrayList<>();
        List<Double> conf = new ArrayList<>();
        for (int b = 0; b < counts.length; b++) {
            if (counts[b] > 0) {
                labels.add(String.format(Locale.ROOT, "%.2f-%.2f", lower[b], upper[b]));
                acc.add(accuracy[b]);
                conf.add(confidence[b]);
            }
        }
        if (labels.isEmpty()) {
            throw new IllegalArgumentException(
                    "a reliability diagram needs at least one non-empty bin");
        }
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(title)
                        .xAxisTitle("confidence bin")
                        .yAxisTitle("fraction")
                        .build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler()
                .setYAxisMin(0.0)
                .setYAxisMax(1.0)
                .setXAxisLabelRotation(45)
                .setChartBackgroundColor(Color.WHITE);
        chart.addSeries("mean confidence", labels, conf).setFillColor(new Color(200, 80, 80, 140));
        chart.addSeries("accuracy", labels, acc).setFillColor(new Color(60, 110, 200, 160));
        return chart;
    }

    /**
     * Test accuracy against training FLOPs relative to dense training, one point per run: the main
     * picture of the RigL paper (accuracy bought per unit of training compute).
     *
     * @param runs the runs
     * @return the chart
     */
    public static XYChart accuracyVsFlops(List<RunRecord> runs) {
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("Test accuracy vs training cost")
                        .xAxisTitle("training FLOPs / dense training FLOPs")
                        .yAxisTitle("test accuracy")
                        .build();
        chart.getStyler()
                .setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                .setMarkerSize(12)
                .setChartBackgroundColor(Color.WHITE);
        for (RunRecord r : runs) {
            double x = r.flopsRatio();
            double y = r.number("test_accuracy");
            if (Double.isFinite(x) && Double.isFinite(y)) {
                chart.addSeries(unique(chart, r.name()), new double[] {x}, new double[] {y});
            }
        }
        return chart;
    }

    /**
     * One figure of every epoch line (test accuracy, train loss, ...) per run and phase.
     *
     * @param runs the runs
     * @param field metrics key, e.g. {@code test_accuracy}
     * @param title chart title
     * @return the chart, or null when no run has the field
     */
    public static XYChart curves(List<RunRecord> runs, String field, String title) {
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(title)
                        .xAxisTitle("epoch")
                        .yAxisTitle(field.replace('_', ' '))
                        .build();
        chart.getStyler().setMarkerSize(4).setChartBackgroundColor(Color.WHITE);
        for (RunRecord r : runs) {
            r.curves()
                    .forEach(
                            (phase, lines) -> {
                                List<Double> x = new ArrayList<>();
                                List<Double> y = new ArrayList<>();
                                int i = 0;
                                for (var line : lines) {
                                    i++;
                                    var v = line.get(field);
                                    if (v != null && v.isNumber()) {
                                        x.add(line.has("epoch") ? line.get("epoch").asDouble() : i);
                                        y.add(v.asDouble());
                                    }
                                }
                                if (!x.isEmpty()) {
                                    chart.addSeries(
                                            unique(
                                                    chart,
                                                    phase.isEmpty()
                                                            ? r.name()
                                                            : r.name() + "/" + phase),
                                            x,
                                            y);
                                }
                            });
        }
        return chart.getSeriesMap().isEmpty() ? null : chart;
    }

    /**
     * Per-layer density (sparse runs) or kept channels (structured runs) of one run.
     *
     * @param run the run
     * @return the chart, or null when the run records neither
     */
    public static CategoryChart perLayer(RunRecord run) {
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
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setLegendVisible(false).setChartBackgroundColor(Color.WHITE);
        chart.addSeries(kind, new ArrayList<>(values.keySet()), new ArrayList<>(values.values()));
        return chart;
    }

    /**
     * Early-Bird's pairwise mask distances (epoch × epoch): the dark block that forms when the
     * masks stop changing is the early-bird ticket appearing.
     *
     * @param title title
     * @param distances square matrix
     * @return the chart
     */
    public static HeatMapChart distances(String title, double[][] distances) {
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
        return chart;
    }

    /**
     * The Early Pruning Indicator per warm-up epoch, with the threshold τ and the epoch it fired.
     *
     * @param run the run
     * @return the chart, or null when the run has no EPI series
     */
    public static XYChart epi(RunRecord run) {
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
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(run.name() + ": Early Pruning Indicator")
                        .xAxisTitle("epoch")
                        .yAxisTitle("EPI")
                        .build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.addSeries("EPI", x, y);
        double tau = run.number("epi_tau");
        if (Double.isFinite(tau)) {
            chart.addSeries(
                            "tau",
                            new double[] {x.get(0), x.get(x.size() - 1)},
                            new double[] {tau, tau})
                    .setMarker(SeriesMarkers.NONE);
        }
        double fired = run.number("prune_epoch");
        if (Double.isFinite(fired) && fired > 0) {
            double lo = y.stream().mapToDouble(Double::doubleValue).min().orElse(0);
            chart.addSeries(
                            "pruned at epoch " + (int) fired,
                            new double[] {fired, fired},
                            new double[] {lo, 1.0})
                    .setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /**
     * A reliability diagram from an {@code evaluation.json}.
     *
     * @param title title
     * @param evaluation the evaluation suite's output
     * @return the chart, or null when it has no reliability bins
     */
    public static CategoryChart reliability(
            String title, com.fasterxml.jackson.databind.JsonNode evaluation) {
        var bins = evaluation == null ? null : evaluation.get("reliability");
        if (bins == null || bins.isEmpty()) {
            return null;
        }
        int n = bins.size();
        double[] lo = new double[n];
        double[] hi = new double[n];
        long[] count = new long[n];
        double[] conf = new double[n];
        double[] acc = new double[n];
        for (int b = 0; b < n; b++) {
            var bin = bins.get(b);
            lo[b] = bin.get("lower").asDouble();
            hi[b] = bin.get("upper").asDouble();
            count[b] = bin.get("count").asLong();
            conf[b] = bin.get("confidence").asDouble();
            acc[b] = bin.get("accuracy").asDouble();
        }
        return reliabilityChart(lo, hi, count, conf, acc, title);
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
