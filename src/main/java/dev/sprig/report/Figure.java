package dev.sprig.report;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Axis;
import org.knowm.xchart.internal.chartpart.AxisTickCalculator;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * One plot of a report: the chart, the labels its axes drew, and a caption for what the image
 * cannot say (the names behind numbered layers, how points were aggregated).
 *
 * @param key stable name, also the PNG file name in a run's {@code plots/}
 * @param chart the chart
 * @param ticks the labels the chart's formatters produced (categories of charts without numeric
 *     axes)
 * @param caption text under the image ("" for none)
 */
public record Figure(String key, Chart<?, ?> chart, Ticks.Log ticks, String caption) {
    /**
     * Renders the chart; afterwards {@link #tickLabels} holds what it drew.
     *
     * @return PNG data
     */
    public byte[] png() {
        return Plots.png(chart);
    }

    /**
     * The tick labels the chart laid out, read from its axes after rendering: XChart tries several
     * spacings, so what a formatter saw is not always what was drawn. The list holds the visible
     * labels and any that XChart placed just beyond an axis end and clipped; a chart whose axes
     * cannot be read gives the labels its formatters produced.
     *
     * @return the non-empty labels of the last rendering, x axis first
     */
    public List<String> tickLabels() {
        List<String> drawn = drawnLabels(chart);
        return drawn != null ? drawn : ticks.labels();
    }

    /** The labels on a rendered chart's axes, or null when the chart has none to read. */
    static List<String> drawnLabels(Chart<?, ?> chart) {
        try {
            Field f = Chart.class.getDeclaredField("axisPair");
            f.setAccessible(true);
            Object pair = f.get(chart);
            if (pair == null) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (String axis : List.of("getXAxis", "getYAxis")) {
                Method get = pair.getClass().getDeclaredMethod(axis);
                get.setAccessible(true);
                Object calc = ((Axis<?, ?>) get.invoke(pair)).getAxisTickCalculator();
                if (calc == null) {
                    return null; // not rendered yet
                }
                for (String label : ((AxisTickCalculator) calc).getTickLabels()) {
                    if (label != null && !label.isEmpty()) {
                        out.add(label);
                    }
                }
            }
            return out;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
