package dev.sprig.ensemble;

import dev.sprig.sparse.SparseMethods;
import dev.sprig.train.Method;
import dev.sprig.train.MethodFamily;
import dev.sprig.train.MethodRun;
import dev.sprig.train.OptionGroup;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ensemble family in the method registry ({@code sprig ensemble}): FreeTickets' DST and EDST
 * ensembles (Liu et al., arXiv:2106.14568), prune-and-fine-tune and dense ensembles.
 */
public final class EnsembleMethods implements MethodFamily {
    /** The family name. */
    public static final String FAMILY = "ensemble";

    /** Members, workers, EDST's phases and the fine-tuning of pf ensembles. */
    public static final OptionGroup ENSEMBLE =
            new OptionGroup(
                    "Ensembles (FreeTickets)",
                    "ensemble",
                    List.of(
                            "members",
                            "workers",
                            "ensemble_growth",
                            "edst_explore_epochs",
                            "edst_explore_fraction",
                            "edst_refine_fraction",
                            "edst_refine_lr",
                            "exploration_fraction",
                            "exploration_epochs",
                            "finetune_epochs",
                            "pf_lr"),
                    EnsembleOptions::from);

    /** Creates the family (found by {@link java.util.ServiceLoader}). */
    public EnsembleMethods() {}

    /** One ensemble method: FreeTickets runs it, with the authors' settings as its defaults. */
    private record Ensemble(FreeTickets.Kind kind, String description, List<OptionGroup> options)
            implements Method {
        @Override
        public String name() {
            return kind.method();
        }

        @Override
        public String family() {
            return FAMILY;
        }

        @Override
        public Map<String, Object> publishedDefaults() {
            return FreeTickets.defaults(kind);
        }

        @Override
        public RunSummary run(MethodRun r) {
            return FreeTickets.run(kind, r.config(), r.data(), r.dir(), r.mode(), r.progress());
        }

        @Override
        public String startLine(TrainConfig c, Path dir) {
            return String.format(
                    Locale.ROOT,
                    "sprig %s: %d members of %s on %s, %d epochs -> %s",
                    c.method,
                    c.members,
                    c.model,
                    c.dataset,
                    c.epochs,
                    dir);
        }

        @Override
        public String resultLine(RunSummary s, Path dir) {
            return String.format(
                    Locale.ROOT,
                    "%s: ensemble test accuracy %.4f, NLL %.4f, ECE %.4f; training FLOPs %.2fx one"
                            + " dense model; %s",
                    s.method(),
                    s.testAccuracy(),
                    s.testLoss(),
                    ((Number) s.extra().get("test_ece")).doubleValue(),
                    s.trainFlops() / s.denseTrainFlops(),
                    dir.resolve("summary.json"));
        }
    }

    @Override
    public List<Method> methods() {
        List<OptionGroup> sparse = List.of(SparseMethods.SPARSITY, SparseMethods.DYNAMIC, ENSEMBLE);
        return List.of(
                new Ensemble(
                        FreeTickets.Kind.DST,
                        "M independent dynamic-sparse members (FreeTickets' DST ensemble)",
                        sparse),
                new Ensemble(
                        FreeTickets.Kind.EDST,
                        "M sparse members from one run: explore, then refine each (EDST)",
                        sparse),
                new Ensemble(
                        FreeTickets.Kind.PF,
                        "M dense members each pruned and fine-tuned",
                        List.of(SparseMethods.SPARSITY, ENSEMBLE)),
                new Ensemble(
                        FreeTickets.Kind.DENSE, "M independent dense members", List.of(ENSEMBLE)));
    }
}
