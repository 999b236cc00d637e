package dev.sprig.epi;

import dev.sprig.train.Method;
import dev.sprig.train.MethodFamily;
import dev.sprig.train.MethodRun;
import dev.sprig.train.OptionGroup;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The EPI family in the method registry ({@code sprig epi}): early structural pruning when the
 * Early Pruning Indicator says the dominant sub-network has settled (Shen et al.,
 * arXiv:2110.08232).
 */
public final class EpiMethods implements MethodFamily {
    /** The family name. */
    public static final String FAMILY = "epi";

    /** Importance, budget and the indicator's window, threshold and monotonicity. */
    public static final OptionGroup EPI =
            new OptionGroup(
                    "EPI (early structural pruning)",
                    "epi",
                    List.of(
                            "epi_importance",
                            "epi_budget",
                            "epi_budget_fraction",
                            "epi_window",
                            "epi_tau",
                            "epi_monotone",
                            "epi_strict",
                            "epi_prune_epoch",
                            "epi_interval",
                            "epi_latency_table"),
                    EpiOptions::from);

    /** Creates the family (found by {@link java.util.ServiceLoader}). */
    public EpiMethods() {}

    /** {@code epi}: one pipeline of {@link Epi}. */
    private static final class EpiMethod implements Method {
        @Override
        public String name() {
            return FAMILY;
        }

        @Override
        public String family() {
            return FAMILY;
        }

        @Override
        public String description() {
            return "prune channels under a budget once the dominant sub-network settles, then train"
                    + " it";
        }

        @Override
        public List<OptionGroup> options() {
            return List.of(EPI);
        }

        @Override
        public RunSummary run(MethodRun r) {
            return Epi.run(r);
        }

        @Override
        public String resultLine(RunSummary r, Path dir) {
            return String.format(
                    Locale.ROOT,
                    "epi        prune epoch %-5s test accuracy %.4f  train FLOPs %.2fx dense"
                            + "  wall %.1f s  -> %s",
                    r.extra().getOrDefault("prune_epoch", "-"),
                    r.testAccuracy(),
                    r.trainFlops() / r.denseTrainFlops(),
                    r.wallSeconds(),
                    dir.resolve("summary.json"));
        }

        @Override
        public String startLine(TrainConfig c, Path dir) {
            return String.format(
                    Locale.ROOT,
                    "sprig epi: %s on %s, %s budget %.2f, %d epochs -> %s",
                    c.model,
                    c.dataset,
                    c.epiBudget,
                    c.epiBudgetFraction,
                    c.epochs,
                    dir);
        }
    }

    @Override
    public List<Method> methods() {
        return List.of(new EpiMethod());
    }
}
