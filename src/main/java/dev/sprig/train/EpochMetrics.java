package dev.sprig.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of {@code metrics.jsonl}. Accuracies are fractions in [0, 1]; validation fields are
 * null when the run has no validation split.
 *
 * @param epoch epoch number from 1
 * @param step optimiser steps done so far
 * @param lr learning rate at the end of the epoch
 * @param trainLoss mean training loss over the epoch
 * @param trainAccuracy training accuracy over the epoch
 * @param valLoss validation loss
 * @param valAccuracy validation accuracy
 * @param testLoss test loss
 * @param testAccuracy test accuracy
 * @param epochSeconds wall time of the epoch's training steps
 * @param trainFlops cumulative training FLOPs
 * @param denseTrainFlops cumulative FLOPs of dense training over the same steps
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EpochMetrics(
        int epoch,
        long step,
        double lr,
        double trainLoss,
        double trainAccuracy,
        Double valLoss,
        Double valAccuracy,
        double testLoss,
        double testAccuracy,
        double epochSeconds,
        double trainFlops,
        double denseTrainFlops) {}
