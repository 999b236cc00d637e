package dev.sprig.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of {@code metrics.jsonl}. Accuracies are fractions in [0, 1]; validation fields are null
 * when the run has no validation split.
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
        double denseTrainFlops) {
    /**
     * Reads back the figures of the last line of {@code metrics.jsonl} (a resumed run that had
     * already finished reports them).
     *
     * @param lines the metrics lines
     * @return the last epoch's figures
     * @throws dev.sprig.SprigException when there is none or it is corrupt
     */
    public static EpochMetrics fromLastLine(java.util.List<String> lines) {
        if (lines.isEmpty()) {
            throw new dev.sprig.SprigException(
                    "checkpoint says the run finished but holds no metrics");
        }
        try {
            com.fasterxml.jackson.databind.node.ObjectNode node =
                    (com.fasterxml.jackson.databind.node.ObjectNode)
                            Json.JSON.readTree(lines.get(lines.size() - 1));
            node.retain(
                    java.util.List.of(
                            "epoch",
                            "step",
                            "lr",
                            "train_loss",
                            "train_accuracy",
                            "val_loss",
                            "val_accuracy",
                            "test_loss",
                            "test_accuracy",
                            "epoch_seconds",
                            "train_flops",
                            "dense_train_flops"));
            return Json.JSON.treeToValue(node, EpochMetrics.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new dev.sprig.SprigException(
                    "corrupt metrics in checkpoint: " + e.getOriginalMessage());
        }
    }
}
