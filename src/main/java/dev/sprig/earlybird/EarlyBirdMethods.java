package dev.sprig.earlybird;

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
 * The Early-Bird family in the method registry ({@code sprig earlybird}): Early-Bird tickets (You
 * et al., arXiv:1909.11957), the re-initialised ticket and network slimming.
 */
public final class EarlyBirdMethods implements MethodFamily {
    /** The family name. */
    public static final String FAMILY = "earlybird";

    /** The search's L1 penalty, ratios and trigger, the ticket's pruning ratio and fine-tuning. */
    public static final OptionGroup EARLY_BIRD =
            new OptionGroup(
                    "Early-Bird and network slimming",
                    "early_bird",
                    List.of(
                            "prune_ratio",
                            "eb_ratios",
                            "eb_epsilon",
                            "eb_queue",
                            "eb_interval",
                            "eb_per_layer",
                            "eb_distance_matrix",
                            "eb_low_precision",
                            "bn_l1",
                            "finetune_epochs"),
                    EarlyBirdOptions::from);

    /** Creates the family (found by {@link java.util.ServiceLoader}). */
    public EarlyBirdMethods() {}

    /** One pipeline of {@link EarlyBird}. */
    private record Pipeline(EarlyBird.Variant variant, String description) implements Method {
        @Override
        public String name() {
            return variant.method();
        }

        @Override
        public String family() {
            return FAMILY;
        }

        @Override
        public List<OptionGroup> options() {
            return List.of(EARLY_BIRD);
        }

        @Override
        public RunSummary run(MethodRun r) {
            return EarlyBird.run(variant, r);
        }

        @Override
        public String startLine(TrainConfig c, Path dir) {
            return String.format(
                    Locale.ROOT,
                    "sprig %s: %s on %s, prune ratio %.2f, %d epochs -> %s",
                    c.method,
                    c.model,
                    c.dataset,
                    c.pruneRatio,
                    c.epochs,
                    dir);
        }

        @Override
        public String resultLine(RunSummary s, Path dir) {
            return String.format(
                    Locale.ROOT,
                    "ticket epoch %s  channels kept %.1f%% of params  test accuracy %.4f"
                            + "  train FLOPs %.3g (%.2fx dense)  wall %.1f s  -> %s",
                    s.extra().getOrDefault("eb_epoch", "-"),
                    100 * (1 - s.sparsity()),
                    s.testAccuracy(),
                    s.trainFlops(),
                    s.trainFlops() / s.denseTrainFlops(),
                    s.wallSeconds(),
                    dir.resolve("summary.json"));
        }
    }

    @Override
    public List<Method> methods() {
        return List.of(
                new Pipeline(
                        EarlyBird.Variant.EARLYBIRD,
                        "slimming search until the channel mask settles, shrink, train the ticket"
                                + " on"),
                new Pipeline(
                        EarlyBird.Variant.REINIT,
                        "the Early-Bird ticket, re-initialised and trained for the whole schedule"),
                new Pipeline(
                        EarlyBird.Variant.SLIMMING,
                        "network slimming: train with L1 on BN scales, prune at the end,"
                                + " fine-tune"));
    }
}
