package dev.sprig.ensemble;

import static dev.sprig.SprigException.require;

import dev.sprig.train.Choice;
import dev.sprig.train.TrainConfig;
import java.util.List;

/**
 * The ensembles' settings, parsed and checked once from a config ({@code ensemble:} in {@code
 * config.yaml}).
 *
 * @param members members M (FreeTickets: 3)
 * @param workers members trained at once, each in its own process
 * @param growth how DST/EDST members regrow connections
 * @param edstExploreEpochs EDST: exploration epochs; null = {@code edstExploreFraction}
 * @param edstExploreFraction EDST: exploration as a fraction of the schedule (authors: 1/3)
 * @param edstRefineFraction EDST: one refinement phase as a fraction of the schedule; null = the
 *     rest split evenly
 * @param edstRefineLr EDST: the refinement phases' learning rate (FreeTickets: 0.01)
 * @param explorationFraction fraction q replaced at each global exploration (FreeTickets: 0.8)
 * @param explorationEpochs epochs that start with a global exploration jump
 * @param finetuneEpochs pf: fine-tuning epochs (0 = a quarter of the epochs)
 * @param pfLr pf: the constant fine-tuning learning rate (FreeTickets: 0.001)
 */
public record EnsembleOptions(
        int members,
        int workers,
        Growth growth,
        Integer edstExploreEpochs,
        double edstExploreFraction,
        Double edstRefineFraction,
        double edstRefineLr,
        double explorationFraction,
        List<Integer> explorationEpochs,
        int finetuneEpochs,
        double pfLr) {
    /** How DST/EDST members regrow: each growth is a registered dynamic sparse method. */
    public enum Growth {
        /** RigL's |gradient|. */
        GRADIENT("rigl"),
        /** SET's random growth. */
        RANDOM("set"),
        /** SNFS's |momentum|. */
        MOMENTUM("snfs");

        private final String method;

        Growth(String method) {
            this.method = method;
        }

        /**
         * Returns the dynamic sparse method members train with.
         *
         * @return its registry key
         */
        public String method() {
            return method;
        }
    }

    /** The authors' exploration: 150 of 450 epochs ({@code main_EDST.py}, README settings). */
    public static final double AUTHORS_EXPLORE_FRACTION = 150.0 / 450;

    /**
     * EDST's phases in whole epochs of a schedule.
     *
     * @param explore epochs of exploration
     * @param phase epochs of each refinement phase (the last one takes what is left over)
     */
    public record EdstPhases(int explore, int phase) {}

    /**
     * Resolves EDST's phases for a schedule: exploration from {@code edst_explore_epochs}, else its
     * fraction of the epochs (rounded down); each refinement phase from its fraction (rounded, at
     * least one epoch), else what exploration leaves split evenly over the members. On the authors'
     * 450 epochs with M = 3 the defaults give their 150 + 3 × 100.
     *
     * @param epochs epochs in the schedule
     * @return the phases
     * @throws SprigException when a phase would get no epoch or the phases overrun the schedule
     */
    public EdstPhases edstPhases(int epochs) {
        int explore =
                edstExploreEpochs != null
                        ? edstExploreEpochs
                        : (int) Math.floor(edstExploreFraction * epochs + 1e-9);
        int phase =
                edstRefineFraction != null
                        ? (int) Math.max(1, Math.round(edstRefineFraction * epochs))
                        : (epochs - explore) / members;
        if (phase < 1 || explore + (long) phase * members > epochs) {
            throw new dev.sprig.SprigException(
                    "EDST needs at least one epoch per refinement phase within the schedule: "
                            + epochs
                            + " epochs, "
                            + explore
                            + " of exploration, "
                            + members
                            + " members of "
                            + phase);
        }
        return new EdstPhases(explore, phase);
    }

    /**
     * Reads and checks the options.
     *
     * @param c the config
     * @return the options
     * @throws dev.sprig.SprigException naming the bad key and value
     */
    public static EnsembleOptions from(TrainConfig c) {
        require(c.members >= 1, "members must be at least 1, got " + c.members);
        require(c.workers >= 1, "workers must be at least 1, got " + c.workers);
        require(
                c.edstExploreEpochs == null
                        || (c.edstExploreEpochs >= 0 && c.edstExploreEpochs < c.epochs),
                "edst_explore_epochs must be in [0, epochs), got " + c.edstExploreEpochs);
        require(
                c.edstExploreFraction == null
                        || (c.edstExploreFraction >= 0 && c.edstExploreFraction < 1),
                "edst_explore_fraction must be in [0, 1), got " + c.edstExploreFraction);
        require(
                c.edstRefineFraction == null
                        || (c.edstRefineFraction > 0 && c.edstRefineFraction <= 1),
                "edst_refine_fraction must be in (0, 1], got " + c.edstRefineFraction);
        require(c.edstRefineLr > 0, "edst_refine_lr must be positive, got " + c.edstRefineLr);
        require(c.pfLr > 0, "pf_lr must be positive, got " + c.pfLr);
        require(
                c.explorationFraction >= 0 && c.explorationFraction <= 1,
                "exploration_fraction must be in [0, 1], got " + c.explorationFraction);
        require(c.explorationEpochs != null, "exploration_epochs must be a list");
        for (Integer e : c.explorationEpochs) {
            require(
                    e != null && e >= 1 && e < c.epochs,
                    "exploration_epochs must lie in [1, epochs), got " + e);
        }
        require(c.finetuneEpochs >= 0, "finetune_epochs must be >= 0, got " + c.finetuneEpochs);
        return new EnsembleOptions(
                c.members,
                c.workers,
                Choice.parse(Growth.class, c.ensembleGrowth, "ensemble_growth"),
                c.edstExploreEpochs,
                c.edstExploreFraction == null ? AUTHORS_EXPLORE_FRACTION : c.edstExploreFraction,
                c.edstRefineFraction,
                c.edstRefineLr,
                c.explorationFraction,
                List.copyOf(c.explorationEpochs),
                c.finetuneEpochs,
                c.pfLr);
    }
}
