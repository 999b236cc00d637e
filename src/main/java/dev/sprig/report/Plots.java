package dev.sprig.report;

import dev.sprig.SprigException;
import dev.sprig.train.RunFolder;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

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
     *
     * @param lower lower bin edges
     * @param upper upper bin edges
     * @param counts examples per bin
     * @param confidence mean confidence per bin
     * @param accuracy accuracy per bin
     * @param title chart title (e.g. the ECE)
     * @param png output file
     */
    public static void reliability(double[] lower, double[] upper, long[] counts, double[] confidence, double[] accuracy,
            String title, Path png) {
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
            throw new IllegalArgumentException("a reliability diagram needs at least one non-empty bin");
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("confidence bin").yAxisTitle("fraction").build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setXAxisLabelRotation(45).setChartBackgroundColor(Color.WHITE);
        chart.addSeries("mean confidence", labels, conf).setFillColor(new Color(200, 80, 80, 140));
        chart.addSeries("accuracy", labels, acc).setFillColor(new Color(60, 110, 200, 160));
        write(chart, png);
    }

    /**
     * Writes a chart as PNG, atomically.
     *
     * @param chart the chart
     * @param png target file
     */
    static void write(Chart<?, ?> chart, Path png) {
        try {
            RunFolder.writeAtomic(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new SprigException("cannot render " + png + ": " + e.getMessage());
        }
    }
}
