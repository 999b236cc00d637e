/**
 * The training loop every method shares: hooks around the step, Sprig's SGD with exposed momentum,
 * learning-rate schedules, evaluation, checkpoints with exact resume, and the run folder ({@code
 * config.yaml}, {@code metrics.jsonl}, {@code summary.json}).
 */
package dev.sprig.train;
