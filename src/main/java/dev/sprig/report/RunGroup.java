package dev.sprig.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Runs that differ only in their seed: one setting measured several times, as a multi-seed sweep
 * produces it. The report draws a group as one point with its mean and standard deviation, since
 * one seed alone is noise below a few tenths of a point.
 *
 * <p>Two runs belong together when their resolved {@code config.yaml} files agree on everything but
 * the keys in {@link #IGNORED}: the seed, and settings that change where data come from or how
 * often state is saved, not what is trained. Runs without a config are grouped by the summary's
 * method, model, data set, sparsity and epochs.
 *
 * @param runs the runs, in the order given
 */
public record RunGroup(List<RunRecord> runs) {
    /** Config keys that do not change what a run trains. */
    static final Set<String> IGNORED =
            Set.of(
                    "seed",
                    "data_dir",
                    "data_workers",
                    "cache_decoded",
                    "checkpoint_every",
                    "threads",
                    "master");

    /**
     * A mean with its sample standard deviation.
     *
     * @param mean the mean (NaN when no run has the figure)
     * @param sd the sample standard deviation (0 for one value)
     * @param n how many runs have the figure
     */
    public record Stat(double mean, double sd, int n) {}

    /**
     * Groups runs by {@link #IGNORED}-blind config equality, in order of first appearance.
     *
     * @param runs the runs
     * @return the groups
     */
    public static List<RunGroup> of(List<RunRecord> runs) {
        Map<Object, List<RunRecord>> byKey = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            byKey.computeIfAbsent(key(r), k -> new ArrayList<>()).add(r);
        }
        List<RunGroup> out = new ArrayList<>();
        byKey.values().forEach(l -> out.add(new RunGroup(List.copyOf(l))));
        return out;
    }

    private static Object key(RunRecord r) {
        if (r.config().isEmpty()) {
            return List.of(
                    r.text("method"),
                    r.text("model"),
                    r.text("dataset"),
                    r.number("sparsity"),
                    r.number("epochs"));
        }
        Map<String, Object> k = new LinkedHashMap<>(r.config());
        IGNORED.forEach(k::remove);
        return k;
    }

    /**
     * @return the first run, which stands for the group where one run's files are drawn
     */
    public RunRecord first() {
        return runs.get(0);
    }

    /**
     * @return the number of seeds
     */
    public int size() {
        return runs.size();
    }

    /**
     * @return the legend and point label: the first run's label, with the seed count when above 1
     */
    public String label() {
        return size() == 1 ? first().label() : first().label() + " (" + size() + " seeds)";
    }

    /**
     * @return the runs' folder names, comma-separated
     */
    public String names() {
        return String.join(", ", runs.stream().map(RunRecord::name).toList());
    }

    /**
     * @return whether the group trained the dense network (a reference for the others)
     */
    public boolean dense() {
        return "dense".equals(first().text("method"));
    }

    /**
     * Model, data set and schedule: what a run must share with its dense reference.
     *
     * @return the key
     */
    public List<Object> schedule() {
        RunRecord r = first();
        Map<String, Object> c = r.config();
        return java.util.Arrays.asList(
                r.text("model"),
                r.text("dataset"),
                r.number("epochs"),
                c.get("width_multiplier"),
                c.get("batch_size"),
                c.get("max_steps_per_epoch"));
    }

    /**
     * A figure over the group's runs, leaving out runs that lack it.
     *
     * @param f the figure of one run
     * @return mean and sample standard deviation
     */
    public Stat stat(ToDoubleFunction<RunRecord> f) {
        double sum = 0;
        int n = 0;
        for (RunRecord r : runs) {
            double v = f.applyAsDouble(r);
            if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        if (n == 0) {
            return new Stat(Double.NaN, Double.NaN, 0);
        }
        double mean = sum / n;
        double sq = 0;
        for (RunRecord r : runs) {
            double v = f.applyAsDouble(r);
            if (Double.isFinite(v)) {
                sq += (v - mean) * (v - mean);
            }
        }
        return new Stat(mean, n > 1 ? Math.sqrt(sq / (n - 1)) : 0, n);
    }

    /**
     * A summary field over the group's runs.
     *
     * @param key snake_case key
     * @return mean and sample standard deviation
     */
    public Stat stat(String key) {
        return stat(r -> r.number(key));
    }
}
