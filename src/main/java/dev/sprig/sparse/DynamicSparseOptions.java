package dev.sprig.sparse;

import static dev.sprig.SprigException.require;

import dev.sprig.SprigException;
import dev.sprig.train.Choice;
import dev.sprig.train.TrainConfig;

/**
 * When and how dynamic sparse training rewires, parsed and checked once from a config ({@code
 * dynamic_sparse:} in {@code config.yaml}); strings become enums here.
 *
 * @param updateInterval steps between mask updates, ΔT (RigL: 100)
 * @param dropFraction fraction of active weights dropped per update, α (RigL: 0.3)
 * @param decay how α decays over the updates
 * @param beginFraction first update, as a fraction of all steps
 * @param endFraction last update T_end, as a fraction of all steps (RigL: 0.75)
 * @param momentumPolicy what masking does to the optimiser's momentum
 * @param skipUpdateStep whether update steps skip the optimiser step; null = the method's default
 * @param growInit the value of new connections
 * @param reinitWhenSame whether a connection dropped and regrown in one update restarts as new
 * @param snfsDecay SNFS's decay of the gradient average
 * @param maskHistoryEvery record per-layer changes every N updates (0 = off)
 */
public record DynamicSparseOptions(
        int updateInterval,
        double dropFraction,
        Decay decay,
        double beginFraction,
        double endFraction,
        MomentumPolicy momentumPolicy,
        Boolean skipUpdateStep,
        GrowInit growInit,
        boolean reinitWhenSame,
        double snfsDecay,
        int maskHistoryEvery) {
    /** How the drop fraction decays. */
    public enum Decay {
        /** \( \alpha_t = \frac{\alpha}{2}(1 + \cos(\pi t / T_{end})) \) (RigL). */
        COSINE,
        /** α at every update (FreeTickets). */
        CONSTANT
    }

    /** What masking does to the optimiser's momentum. */
    public enum MomentumPolicy {
        /** Momentum outside the mask is zero, so regrown weights start with none (RigL). */
        ZERO,
        /** Momentum stays dense; regrown weights keep it (FreeTickets' code). */
        KEEP
    }

    /** The value of new connections. */
    public enum GrowInit {
        /** Zero (RigL's default). */
        ZERO,
        /** N(0, σ²) with σ the standard deviation of the layer's active weights. */
        RANDOM_NORMAL
    }

    /**
     * Reads and checks the options.
     *
     * @param c the config
     * @return the options
     * @throws SprigException naming the bad key and value
     */
    public static DynamicSparseOptions from(TrainConfig c) {
        require(
                c.updateInterval >= 1,
                "update_interval must be at least 1, got " + c.updateInterval);
        require(
                c.dropFraction >= 0 && c.dropFraction <= 1,
                "drop_fraction must be in [0, 1], got " + c.dropFraction);
        require(
                c.beginFraction >= 0 && c.beginFraction < c.endFraction && c.endFraction <= 1,
                "need 0 <= begin_fraction < end_fraction <= 1, got "
                        + c.beginFraction
                        + " and "
                        + c.endFraction);
        require(
                c.snfsDecay >= 0 && c.snfsDecay < 1,
                "snfs_decay must be in [0, 1), got " + c.snfsDecay);
        require(
                c.maskHistoryEvery >= 0,
                "mask_history_every must be >= 0, got " + c.maskHistoryEvery);
        return new DynamicSparseOptions(
                c.updateInterval,
                c.dropFraction,
                Choice.parse(Decay.class, c.dropSchedule, "drop_schedule"),
                c.beginFraction,
                c.endFraction,
                Choice.parse(MomentumPolicy.class, c.momentumPolicy, "momentum_policy"),
                c.skipUpdateStep,
                Choice.parse(GrowInit.class, c.growInit, "grow_init"),
                c.reinitWhenSame,
                c.snfsDecay,
                c.maskHistoryEvery);
    }
}
