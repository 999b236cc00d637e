package dev.sprig.sparse;

import dev.sprig.train.Method;
import dev.sprig.train.MethodFamily;
import dev.sprig.train.OptionGroup;
import dev.sprig.train.TrainConfig;
import java.util.List;
import java.util.function.Function;

/**
 * The unstructured-sparsity family in the method registry ({@link dev.sprig.train.Methods}): dense,
 * static, SNIP, GMP, SET, SNFS, RigL, prune-and-fine-tune and the lottery-ticket search, and {@link
 * #dynamic}, which turns a {@link GrowCriterion} into a registrable method.
 */
public final class SparseMethods implements MethodFamily {
    /** The family name: methods run by {@code sprig train}. */
    public static final String FAMILY = "sparse";

    /** How sparse the network is and how the sparsity is spread over layers. */
    public static final OptionGroup SPARSITY =
            new OptionGroup(
                    "Sparsity",
                    "sparse",
                    List.of(
                            "sparsity",
                            "distribution",
                            "first_layer_dense",
                            "last_layer_dense",
                            "layer_densities"),
                    SparsityOptions::from);

    /** When and how much dynamic sparse training rewires. */
    public static final OptionGroup DYNAMIC =
            new OptionGroup(
                    "Dynamic sparsity (SET, SNFS, RigL)",
                    "dynamic_sparse",
                    List.of(
                            "update_interval",
                            "drop_fraction",
                            "drop_schedule",
                            "begin_fraction",
                            "end_fraction",
                            "momentum_policy",
                            "skip_update_step",
                            "grow_init",
                            "reinit_when_same",
                            "snfs_decay",
                            "mask_history_every"),
                    DynamicSparseOptions::from);

    /** Pruning from a trained network: LTH rounds and rewinding, prune-and-fine-tune's source. */
    public static final OptionGroup PRUNING =
            new OptionGroup(
                    "Pruning (LTH, pf)",
                    "pruning",
                    List.of("lth_rounds", "rewind_step", "prune_from"),
                    PruningOptions::from);

    /** Creates the family (found by {@link java.util.ServiceLoader}). */
    public SparseMethods() {}

    /**
     * Makes a dynamic sparse method: drop by magnitude, regrow by {@code growth}, on every
     * execution path. Registering it ({@code Methods.register(SparseMethods.dynamic(...))}) makes
     * it a {@code --method} of the command line and the Java API.
     *
     * @param name registry key
     * @param description one line
     * @param growth the growth criterion of a config
     * @param skipByDefault whether update steps skip the optimiser step unless configured (RigL:
     *     yes)
     * @return the method
     */
    public static UpdaterMethod dynamic(
            String name,
            String description,
            Function<TrainConfig, GrowCriterion> growth,
            boolean skipByDefault) {
        return new UpdaterMethod(
                name,
                description,
                List.of(SPARSITY, DYNAMIC),
                c -> new DynamicSparseUpdater(c, name, growth.apply(c), skipByDefault),
                new UpdaterMethod.DropAndGrow(growth, skipByDefault));
    }

    @Override
    public List<Method> methods() {
        return List.of(
                new UpdaterMethod(
                        "dense",
                        "dense training, the reference every cost is measured against",
                        List.of(),
                        null,
                        new UpdaterMethod.FixedMasks()),
                new UpdaterMethod(
                        "static",
                        "a random mask fixed at initialisation",
                        List.of(SPARSITY),
                        StaticUpdater::new,
                        new UpdaterMethod.FixedMasks()),
                new UpdaterMethod(
                        "snip",
                        "one-shot pruning at initialisation by |g·w| (SNIP)",
                        List.of(SPARSITY),
                        SnipUpdater::new,
                        new UpdaterMethod.NoCsr()),
                new UpdaterMethod(
                        "gmp",
                        "gradual magnitude pruning on a cubic schedule",
                        List.of(SPARSITY, DYNAMIC),
                        GmpUpdater::new,
                        new UpdaterMethod.NoCsr()),
                dynamic("set", "drop by |w|, regrow at random (SET)", c -> new RandomGrow(), false),
                dynamic(
                        "snfs",
                        "drop by |w|, regrow by |EMA of the dense gradient| (SNFS)",
                        c -> new MomentumGrow(c.snfsDecay),
                        false),
                dynamic(
                        "rigl",
                        "drop by |w|, regrow by |dense gradient| (RigL)",
                        c -> new GradientGrow(),
                        true),
                new UpdaterMethod(
                        "pf",
                        "prune a trained dense run by global magnitude, then fine-tune",
                        List.of(SPARSITY, PRUNING),
                        PruneFinetuneUpdater::new,
                        new UpdaterMethod.NoCsr()),
                new LotteryTicketSearch.LthMethod());
    }
}
