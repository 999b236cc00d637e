package dev.sprig.report;

import dev.sprig.SprigException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a setting bought against dense training of the same network on the same data and schedule:
 * the difference in test accuracy and the ratios of what it cost, training FLOPs and wall-clock
 * time first (what users pay), then inference FLOPs and stored size (what they deploy). Each figure
 * is the ratio of the two groups' means; the accuracy difference carries the setting's standard
 * deviation over seeds.
 *
 * @param group the setting
 * @param baseline its dense reference, null when the report holds none
 * @param accuracyPoints test accuracy minus the reference's, in percentage points
 * @param flopsRatio training FLOPs over the reference's
 * @param wallRatio wall-clock seconds over the reference's
 * @param inferenceRatio inference FLOPs over the reference's
 * @param storedRatio stored weight bytes over the reference's ({@link RunRecord#storedBytes})
 */
public record Headline(
        RunGroup group,
        RunGroup baseline,
        RunGroup.Stat accuracyPoints,
        double flopsRatio,
        double wallRatio,
        double inferenceRatio,
        double storedRatio) {

    /**
     * @return whether the group is its own reference (a dense run)
     */
    public boolean isReference() {
        return baseline == group;
    }

    /**
     * Headlines of every group: against the named reference when there is one, else against the
     * first dense group of the same model, data set and schedule.
     *
     * @param groups the report's groups
     * @param named the group of the run named by {@code --baseline}, or null to choose
     * @return one headline per group, in order
     */
    public static List<Headline> of(List<RunGroup> groups, RunGroup named) {
        List<Headline> out = new ArrayList<>();
        for (RunGroup g : groups) {
            RunGroup base = named != null ? named : reference(groups, g);
            out.add(against(g, base));
        }
        return out;
    }

    /**
     * The group containing a named run folder.
     *
     * @param groups the report's groups
     * @param run the folder given as the baseline
     * @return its group
     * @throws SprigException when no group holds it
     */
    public static RunGroup groupOf(List<RunGroup> groups, java.nio.file.Path run) {
        java.nio.file.Path want = run.toAbsolutePath().normalize();
        for (RunGroup g : groups) {
            for (RunRecord r : g.runs()) {
                if (r.dir().toAbsolutePath().normalize().equals(want)) {
                    return g;
                }
            }
        }
        throw new SprigException("--baseline " + run + " is not one of the report's runs");
    }

    private static RunGroup reference(List<RunGroup> groups, RunGroup g) {
        if (g.dense()) {
            return g;
        }
        for (RunGroup d : groups) {
            if (d.dense() && d.schedule().equals(g.schedule())) {
                return d;
            }
        }
        return null;
    }

    static Headline against(RunGroup g, RunGroup base) {
        if (base == null) {
            return new Headline(
                    g,
                    null,
                    new RunGroup.Stat(Double.NaN, Double.NaN, 0),
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN);
        }
        double baseAcc = base.stat("test_accuracy").mean();
        RunGroup.Stat acc = g.stat(r -> 100 * (r.number("test_accuracy") - baseAcc));
        return new Headline(
                g,
                base,
                acc,
                ratio(g, base, "train_flops"),
                ratio(g, base, "wall_seconds"),
                ratio(g, base, "inference_flops"),
                g.stat(RunRecord::storedBytes).mean() / base.stat(RunRecord::storedBytes).mean());
    }

    private static double ratio(RunGroup g, RunGroup base, String key) {
        return g.stat(key).mean() / base.stat(key).mean();
    }
}
