package dev.sprig.report;

import java.util.List;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * One plot of a report: the chart, the labels its axes drew, and a caption for what the image
 * cannot say (the names behind numbered layers, how points were aggregated).
 *
 * @param key stable name, also the PNG file name in a run's {@code plots/}
 * @param chart the chart
 * @param ticks where the chart records its tick labels as it draws them
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
     * @return the tick labels drawn so far (all of them once {@link #png} has run)
     */
    public List<String> tickLabels() {
        return ticks.labels();
    }
}
