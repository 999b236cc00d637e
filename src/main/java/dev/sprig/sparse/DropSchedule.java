package dev.sprig.sparse;

import dev.sprig.train.TrainConfig;

/**
 * When a dynamic sparse method updates its masks and how much it drops, as in {@code
 * google-research/rigl} ({@code sparse_optimizers_base.py}): every ΔT steps from {@code
 * begin_fraction} to {@code end_fraction} of training, dropping the fraction \( \alpha_t =
 * \frac{\alpha}{2}(1 + \cos(\pi t / T_{end})) \) (or a constant α).
 *
 * <p>Exploration jumps (FreeTickets' EDST, Liu et al., arXiv 2106.14568): at the first step of each
 * listed epoch every layer drops a large fraction q of its active weights and regrows as many,
 * whether or not the regular schedule has ended, to move the sparse topology to a new basin before
 * the next ensemble member is refined.
 *
 * @param beginStep first step that may update
 * @param endStep no update at or after this step
 * @param interval ΔT
 * @param fraction α
 * @param cosine whether α decays by the cosine rule
 * @param jumpSteps steps of exploration jumps
 * @param jumpFraction q, the fraction dropped at a jump
 */
public record DropSchedule(
        long beginStep,
        long endStep,
        int interval,
        double fraction,
        boolean cosine,
        java.util.Set<Long> jumpSteps,
        double jumpFraction) {
    /**
     * A schedule without exploration jumps.
     *
     * @param beginStep first step that may update
     * @param endStep no update at or after this step
     * @param interval ΔT
     * @param fraction α
     * @param cosine whether α decays by the cosine rule
     */
    public DropSchedule(
            long beginStep, long endStep, int interval, double fraction, boolean cosine) {
        this(beginStep, endStep, interval, fraction, cosine, java.util.Set.of(), 0);
    }

    /**
     * Builds the schedule of a run.
     *
     * @param config update interval, drop fraction, schedule and begin/end fractions
     * @param totalSteps optimiser steps in the whole run
     * @return the schedule
     */
    public static DropSchedule of(TrainConfig config, long totalSteps) {
        long stepsPerEpoch = totalSteps / config.epochs;
        java.util.Set<Long> jumps = new java.util.TreeSet<>();
        for (int e : config.explorationEpochs) {
            jumps.add(e * stepsPerEpoch);
        }
        return new DropSchedule(
                Math.round(config.beginFraction * totalSteps),
                Math.round(config.endFraction * totalSteps),
                config.updateInterval,
                config.dropFraction,
                DynamicSparseOptions.from(config).decay() == DynamicSparseOptions.Decay.COSINE,
                jumps,
                config.explorationFraction);
    }

    /**
     * Whether a step updates the masks.
     *
     * @param step global step
     * @return true every ΔT steps from begin, before the end, and at exploration jumps
     */
    public boolean isUpdateStep(long step) {
        return jumpSteps.contains(step)
                || step >= beginStep && step < endStep && (step - beginStep) % interval == 0;
    }

    /**
     * Returns the drop fraction α_t of a step.
     *
     * @param step global step
     * @return the fraction of active weights to drop
     */
    public double dropFraction(long step) {
        if (jumpSteps.contains(step)) {
            return jumpFraction;
        }
        if (!cosine) {
            return fraction;
        }
        double t = (double) (step - beginStep) / Math.max(1, endStep - beginStep);
        return fraction / 2 * (1 + Math.cos(Math.PI * t));
    }
}
