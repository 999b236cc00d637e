package dev.sprig.sparse;

import static dev.sprig.SprigException.require;

import dev.sprig.train.TrainConfig;

/**
 * Pruning from trained weights, parsed and checked once from a config ({@code pruning:} in {@code
 * config.yaml}).
 *
 * @param lthRounds LTH: pruning rounds after the dense round
 * @param rewindStep LTH: the step whose weights every round rewinds to (Frankle et al. 2019)
 * @param pruneFrom pf: the trained dense run folder or checkpoint to prune; null when unused
 */
public record PruningOptions(int lthRounds, long rewindStep, String pruneFrom) {
    /**
     * Reads and checks the options.
     *
     * @param c the config
     * @return the options
     * @throws dev.sprig.SprigException naming the bad key and value
     */
    public static PruningOptions from(TrainConfig c) {
        require(c.lthRounds >= 1, "lth_rounds must be at least 1, got " + c.lthRounds);
        require(c.rewindStep >= 0, "rewind_step must be >= 0, got " + c.rewindStep);
        return new PruningOptions(
                c.lthRounds,
                c.rewindStep,
                c.pruneFrom == null || c.pruneFrom.isBlank() ? null : c.pruneFrom);
    }
}
