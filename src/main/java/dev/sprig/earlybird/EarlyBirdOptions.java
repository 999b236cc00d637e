package dev.sprig.earlybird;

import static dev.sprig.SprigException.require;

import dev.sprig.structured.ObservationInterval;
import dev.sprig.train.TrainConfig;
import java.util.List;

/**
 * Early-Bird's and network slimming's settings, parsed and checked once from a config ({@code
 * early_bird:} in {@code config.yaml}), with the anchor's defaults resolved.
 *
 * @param pruneRatio fraction of channels the ticket prunes
 * @param ratios pruning ratios searched together (the prune ratio among them)
 * @param epsilon largest mask distance that counts as the same ticket (anchor: 0.1)
 * @param queue masks in the distance queue (anchor: 5)
 * @param perLayer threshold |γ| per layer instead of globally
 * @param distanceMatrix write the pairwise mask-distance matrix of every ratio
 * @param lowPrecision search in 8-bit block floating point
 * @param bnL1 L1 penalty on batch-norm scales (anchor: 1e-4 when not set)
 * @param finetuneEpochs slimming: fine-tuning epochs (0 = a quarter of the epochs)
 * @param interval how often the queue takes a mask
 */
public record EarlyBirdOptions(
        double pruneRatio,
        List<Double> ratios,
        double epsilon,
        int queue,
        boolean perLayer,
        boolean distanceMatrix,
        boolean lowPrecision,
        double bnL1,
        int finetuneEpochs,
        ObservationInterval interval) {
    /**
     * The anchor's L1 penalty on batch-norm scales (You et al., {@code main.py}: {@code --s 1e-4}).
     */
    public static final double DEFAULT_BN_L1 = 1e-4;

    /**
     * Reads and checks the options.
     *
     * @param c the config
     * @return the options
     * @throws dev.sprig.SprigException naming the bad key and value
     */
    public static EarlyBirdOptions from(TrainConfig c) {
        require(
                c.pruneRatio >= 0 && c.pruneRatio < 1,
                "prune_ratio must be in [0, 1), got " + c.pruneRatio);
        require(c.ebRatios != null, "eb_ratios must be a list");
        for (Double p : c.ebRatios) {
            require(p != null && p >= 0 && p < 1, "eb_ratios must lie in [0, 1), got " + p);
        }
        require(
                c.ebEpsilon >= 0 && c.ebEpsilon <= 1,
                "eb_epsilon must be in [0, 1], got " + c.ebEpsilon);
        require(c.ebQueue >= 2, "eb_queue must be at least 2, got " + c.ebQueue);
        require(c.bnL1 == null || c.bnL1 >= 0, "bn_l1 must be >= 0, got " + c.bnL1);
        require(c.finetuneEpochs >= 0, "finetune_epochs must be >= 0, got " + c.finetuneEpochs);
        return new EarlyBirdOptions(
                c.pruneRatio,
                List.copyOf(c.ebRatios),
                c.ebEpsilon,
                c.ebQueue,
                c.ebPerLayer,
                c.ebDistanceMatrix,
                c.ebLowPrecision,
                c.bnL1 == null ? DEFAULT_BN_L1 : c.bnL1,
                c.finetuneEpochs,
                ObservationInterval.parse(c.ebInterval, "eb_interval"));
    }
}
