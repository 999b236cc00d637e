package dev.sprig.train;

import java.util.Map;

/**
 * The budget view of a pipeline (Early-Bird, slimming, EPI, EDST): when its one decision (the
 * ticket, the prune) happened as a fraction of the schedule, and what training cost before and
 * after it. Early triggers are the point of these methods, so where the trigger lands says more
 * about the saving than the total.
 *
 * @param event what happened ({@code ticket}, {@code prune}, {@code exploration_end})
 * @param step optimiser steps trained when it happened, or −1 when it never did
 * @param stepsPerEpoch steps per epoch
 * @param epochs epochs in the schedule
 * @param flopsBefore training FLOPs up to it (the whole run when it never happened)
 * @param flopsAfter training FLOPs after it
 * @param wallBefore wall seconds up to it
 * @param wallAfter wall seconds after it
 */
public record BudgetView(
        String event,
        long step,
        int stepsPerEpoch,
        int epochs,
        double flopsBefore,
        double flopsAfter,
        double wallBefore,
        double wallAfter) {
    /**
     * Returns the view as written to {@code summary.json} ({@code budget}).
     *
     * @param denseFlops FLOPs of dense training for the same schedule
     * @return ordered keys
     */
    public Map<String, Object> toMap(double denseFlops) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("event", event);
        m.put("happened", step >= 0);
        m.put("step", step >= 0 ? step : null);
        m.put("epochs_trained", step >= 0 ? (double) step / stepsPerEpoch : null);
        m.put(
                "fraction_of_schedule",
                step >= 0 ? (double) step / ((long) stepsPerEpoch * epochs) : null);
        m.put("train_flops_before", flopsBefore);
        m.put("train_flops_after", flopsAfter);
        m.put("train_flops_before_ratio", flopsBefore / denseFlops);
        m.put("train_flops_after_ratio", flopsAfter / denseFlops);
        m.put("wall_seconds_before", wallBefore);
        m.put("wall_seconds_after", wallAfter);
        return m;
    }
}
