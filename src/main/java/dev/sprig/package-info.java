/**
 * Sprig: cheaper deep-network training through sparsity. The root package holds what every other
 * package shares: offline engine start-up ({@link dev.sprig.Sprig}) and the user-facing error type
 * ({@link dev.sprig.SprigException}).
 */
package dev.sprig;
