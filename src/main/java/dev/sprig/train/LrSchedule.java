package dev.sprig.train;

import java.util.List;
import java.util.Locale;

/**
 * Learning rate as a function of the optimiser step, with optional linear warm-up.
 *
 * <p>Epoch-based schedules (step, multistep) change at epoch boundaries like PyTorch's schedulers
 * stepped once per epoch; cosine decays per step from the end of warm-up to zero at the last step.
 *
 * @param kind constant, step, multistep, cosine or piecewise
 * @param base the base rate
 * @param gamma decay factor of step and multistep
 * @param stepEpochs epochs between decays of the step schedule
 * @param milestones epochs at which multistep decays
 * @param points piecewise: the rate from each listed epoch on
 * @param warmupEpochs warm-up length in epochs
 * @param stepsPerEpoch optimiser steps per epoch
 * @param epochs total epochs
 */
public record LrSchedule(
        String kind,
        double base,
        double gamma,
        int stepEpochs,
        List<Integer> milestones,
        java.util.NavigableMap<Integer, Double> points,
        double warmupEpochs,
        int stepsPerEpoch,
        int epochs) {

    /**
     * Builds the schedule of a config.
     *
     * @param c the config
     * @param stepsPerEpoch optimiser steps per epoch
     * @return the schedule
     */
    public static LrSchedule of(TrainConfig c, int stepsPerEpoch) {
        return new LrSchedule(
                c.lrSchedule.toLowerCase(Locale.ROOT),
                c.lr,
                c.lrGamma,
                c.lrStepEpochs,
                List.copyOf(c.lrMilestones),
                new java.util.TreeMap<>(c.lrPoints),
                c.warmupEpochs,
                stepsPerEpoch,
                c.epochs);
    }

    /**
     * Returns the learning rate of a step.
     *
     * @param step optimiser step from 0
     * @return the rate
     */
    public double at(long step) {
        double warmSteps = warmupEpochs * stepsPerEpoch;
        if (step < warmSteps) {
            return base * (step + 1) / warmSteps;
        }
        long epoch = step / stepsPerEpoch;
        return switch (kind) {
            case "constant" -> base;
            case "piecewise" -> points.floorEntry((int) epoch).getValue();
            case "step" -> base * Math.pow(gamma, epoch / stepEpochs);
            case "multistep" ->
                    base * Math.pow(gamma, milestones.stream().filter(m -> m <= epoch).count());
            case "cosine" -> {
                double total = (double) epochs * stepsPerEpoch - warmSteps;
                double t = Math.min(1.0, (step - warmSteps) / Math.max(1.0, total));
                yield base * 0.5 * (1 + Math.cos(Math.PI * t));
            }
            default -> throw new IllegalStateException("unknown schedule " + kind);
        };
    }
}
