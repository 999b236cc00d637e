package dev.sprig.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.knowm.xchart.XYChart;

/**
 * Axis ticks a reader takes in at a glance. XChart places the ticks; Sprig sets the range they are
 * placed in (padded around the data, whole decades on a log scale) and writes every label itself
 * with at most {@link #MAX_LABEL} characters: four significant digits at most, SI suffixes from a
 * thousand up ({@code 2.65G} rather than {@code 26487964800}), no trailing zeros. A raw double such
 * as {@code 0.10237037037037} never reaches an axis.
 *
 * <p>Each chart gets a {@link Log} that records the labels as the chart draws them, so the report
 * can publish them next to the image and a test can read what a user sees.
 */
public final class Ticks {
    /** Longest label drawn. */
    public static final int MAX_LABEL = 8;

    /** XChart's default spacing between ticks, in pixels. */
    static final int DEFAULT_SPACING = 74;

    /** A little more than the plot area's width in a chart of {@link Plots#WIDTH} pixels. */
    static final int PLOT_WIDTH = 700;

    /** Data spanning at least this factor are drawn on a log scale. */
    static final double LOG_SPAN = 100;

    private static final String[] SI = {"", "k", "M", "G", "T", "P"};

    private Ticks() {}

    /**
     * A tick label of at most {@link #MAX_LABEL} characters.
     *
     * @param v the tick value
     * @return the label
     */
    public static String label(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        if (v == 0 || Math.abs(v) < 1e-12) {
            return "0";
        }
        double a = Math.abs(v);
        String sign = v < 0 ? "-" : "";
        if (a >= 1000) {
            int k = Math.min(SI.length - 1, (int) Math.floor(Math.log10(a) / 3));
            double m = a / Math.pow(1000, k);
            if (Math.round(m * 100) / 100.0 >= 1000 && k < SI.length - 1) {
                k++;
                m = a / Math.pow(1000, k);
            }
            return fit(sign, m, SI[k]);
        }
        if (a < 1e-3) {
            int e = (int) Math.floor(Math.log10(a));
            double m = a / Math.pow(10, e);
            return sign + trim(String.format(Locale.ROOT, "%.1f", m)) + "e" + e;
        }
        return fit(sign, a, "");
    }

    /** The most significant digits (four down to one) that fit in the label width. */
    private static String fit(String sign, double m, String suffix) {
        for (int digits = 4; digits >= 1; digits--) {
            int decimals = Math.max(0, digits - 1 - (int) Math.floor(Math.log10(m)));
            String s = sign + trim(String.format(Locale.ROOT, "%." + decimals + "f", m)) + suffix;
            if (s.length() <= MAX_LABEL) {
                return s;
            }
        }
        return sign + Math.round(m) + suffix;
    }

    private static String trim(String s) {
        if (!s.contains(".")) {
            return s;
        }
        String t = s.replaceAll("0+$", "");
        return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    }

    /**
     * The labels one chart drew, in first-drawn order: what the report publishes beside the image.
     */
    public static final class Log {
        private final Set<String> labels = Collections.synchronizedSet(new LinkedHashSet<>());

        /**
         * A formatter that labels with {@link Ticks#label} and records each label.
         *
         * @return the formatter
         */
        public Function<Double, String> formatter() {
            return v -> {
                String s = label(v);
                if (!s.isEmpty()) {
                    labels.add(s);
                }
                return s;
            };
        }

        /**
         * Records labels the chart draws as they are (categories).
         *
         * @param categories the labels
         */
        public void addAll(List<String> categories) {
            labels.addAll(categories);
        }

        /**
         * @return the labels drawn so far
         */
        public List<String> labels() {
            synchronized (labels) {
                return new ArrayList<>(labels);
            }
        }
    }

    /**
     * The scale of an axis around data: logarithmic when the positive data span two decades or more
     * (then from the decade below the least value to the decade above the greatest, labelled at
     * whole decades only), else linear over the data's range padded by 8% on each side (10% of the
     * value, or 0.01, around a single value), not below zero for data that are not. A ratio of one
     * decade (RigL at 0.1x next to dense at 1x) reads better on a linear axis from 0.
     *
     * <p>A log scale is drawn as log10 of the values on a linear axis whose labels show the
     * decades: XChart's own log axis cannot take a label formatter.
     *
     * @param values the data
     * @param logAllowed whether a log scale suits the quantity (costs, times; not accuracies)
     * @return the scale, or null when there are no finite values
     */
    public static Scale scale(double[] values, boolean logAllowed) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (Double.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) {
            return null;
        }
        if (logAllowed && lo > 0 && hi / lo >= LOG_SPAN) {
            return new Scale(Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi)), true, false);
        }
        double pad = hi > lo ? 0.08 * (hi - lo) : Math.max(0.1 * Math.abs(lo), 0.01);
        double min = lo - pad;
        if (lo >= 0 && min < 0) {
            min = 0;
        }
        return new Scale(min, hi + pad, false, false);
    }

    /**
     * An axis scale.
     *
     * @param min least value shown, in plot coordinates (log10 of it on a log scale)
     * @param max greatest value shown, in plot coordinates
     * @param log whether values are drawn as their log10
     * @param unitSteps whether ticks stand at least one unit apart (epochs: a short run's axis
     *     reads 1, 2, 3, never 1.2)
     */
    public record Scale(double min, double max, boolean log, boolean unitSteps) {
        /**
         * This scale with ticks at least one unit apart.
         *
         * @return the scale
         */
        public Scale withUnitSteps() {
            return new Scale(min, max, log, true);
        }

        /**
         * The tick spacing to ask XChart for, in pixels: wide enough that a short range gets one
         * tick per unit (per decade on a log scale), XChart's own 74 otherwise.
         *
         * @return pixels between ticks
         */
        int spacingHint() {
            if (!log && !unitSteps) {
                return DEFAULT_SPACING;
            }
            // XChart divides its axis length by the hint and rounds the step to 1, 2, 2.5 or 5
            // times a power of ten, down as well as up: a raw step a little above one unit rounds
            // to one.
            return (int) Math.max(DEFAULT_SPACING, PLOT_WIDTH / Math.max(max - min, 1e-9));
        }

        /**
         * @param v a data value
         * @return where it is drawn
         */
        public double plot(double v) {
            return log ? Math.log10(v) : v;
        }

        /**
         * The label formatter of this scale: {@link Ticks#label} of the value, of 10^v at whole
         * decades on a log scale (no label between them; the spacing hint puts ticks there).
         *
         * @param record where the drawn labels are recorded
         * @return the formatter
         */
        public Function<Double, String> labels(Log record) {
            Function<Double, String> f = record.formatter();
            if (log) {
                return v -> whole(v) ? f.apply(Math.pow(10, Math.rint(v))) : "";
            }
            return f;
        }

        private static boolean whole(double v) {
            return Math.abs(v - Math.rint(v)) < 1e-9;
        }

        /**
         * Sets a chart's x axis to this scale.
         *
         * @param chart the chart
         * @param record where the drawn labels are recorded
         */
        public void applyX(XYChart chart, Log record) {
            chart.getStyler()
                    .setXAxisMin(min)
                    .setXAxisMax(max)
                    .setXAxisTickMarkSpacingHint(spacingHint());
            chart.setCustomXAxisTickLabelsFormatter(labels(record));
        }

        /**
         * Sets a chart's y axis to this scale.
         *
         * @param chart the chart
         * @param record where the drawn labels are recorded
         */
        public void applyY(XYChart chart, Log record) {
            chart.getStyler()
                    .setYAxisMin(min)
                    .setYAxisMax(max)
                    .setYAxisTickMarkSpacingHint(spacingHint());
            chart.setCustomYAxisTickLabelsFormatter(labels(record));
        }
    }
}
