package dev.sprig.train;

import java.util.Map;

/**
 * The figures of one finished epoch, and a place for hooks to add their own.
 *
 * @param run the run
 * @param epoch epoch index from 0
 * @param metrics the epoch's metrics (loss, accuracy, lr, cost)
 * @param extra hook-provided values written to {@code metrics.jsonl} (modifiable)
 */
public record EpochContext(
        RunContext run, int epoch, EpochMetrics metrics, Map<String, Object> extra) {}
