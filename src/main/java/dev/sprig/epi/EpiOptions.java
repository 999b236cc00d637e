package dev.sprig.epi;

import static dev.sprig.SprigException.require;

import dev.sprig.SprigException;
import dev.sprig.structured.ObservationInterval;
import dev.sprig.train.Choice;
import dev.sprig.train.TrainConfig;

/**
 * EPI's settings, parsed and checked once from a config ({@code epi:} in {@code config.yaml}), with
 * τ resolved from the importance when not set.
 *
 * @param importance the channel importance
 * @param budget the resource the budget limits
 * @param budgetFraction fraction of the full network's resource the pruned one may use
 * @param window past architectures EPI averages over (r)
 * @param tau the threshold τ
 * @param monotone EPI must exceed each of its last N values
 * @param strict strict (&gt;) instead of &ge; monotonicity
 * @param pruneEpoch prune at this fixed epoch instead (-1 = EPI decides)
 * @param interval how often the dominant sub-network is taken
 */
public record EpiOptions(
        ChannelImportance importance,
        Budget budget,
        double budgetFraction,
        int window,
        double tau,
        int monotone,
        boolean strict,
        int pruneEpoch,
        ObservationInterval interval) {
    /** The resource a budget limits. */
    public enum Budget {
        /** Forward FLOPs per example. */
        FLOPS,
        /** Parameters. */
        PARAMS,
        /** Latency, timed per layer on the training device. */
        LATENCY
    }

    /**
     * Reads and checks the options.
     *
     * @param c the config
     * @return the options
     * @throws SprigException naming the bad key and value
     */
    public static EpiOptions from(TrainConfig c) {
        ChannelImportance importance;
        require(
                c.epiImportance != null,
                "epi_importance must be l2norm, bn, taylor or l1, got null");
        try {
            importance = ChannelImportance.of(c.epiImportance);
        } catch (IllegalArgumentException e) {
            throw new SprigException(
                    "epi_importance must be l2norm, bn, taylor or l1, got '"
                            + c.epiImportance
                            + "'");
        }
        Budget budget = Choice.parse(Budget.class, c.epiBudget, "epi_budget");
        require(
                c.epiBudgetFraction > 0 && c.epiBudgetFraction <= 1,
                "epi_budget_fraction must be in (0, 1], got " + c.epiBudgetFraction);
        require(c.epiWindow >= 1, "epi_window must be at least 1, got " + c.epiWindow);
        require(c.epiMonotone >= 0, "epi_monotone must be >= 0, got " + c.epiMonotone);
        require(
                c.epiPruneEpoch >= -1 && c.epiPruneEpoch < c.epochs,
                "epi_prune_epoch must be -1 or in [0, epochs), got " + c.epiPruneEpoch);
        require(
                c.epiTau == null || (c.epiTau > 0 && c.epiTau <= 1),
                "epi_tau must be in (0, 1], got " + c.epiTau);
        return new EpiOptions(
                importance,
                budget,
                c.epiBudgetFraction,
                c.epiWindow,
                c.epiTau == null ? importance.defaultTau() : c.epiTau,
                c.epiMonotone,
                c.epiStrict,
                c.epiPruneEpoch,
                ObservationInterval.parse(c.epiInterval, "epi_interval"));
    }
}
