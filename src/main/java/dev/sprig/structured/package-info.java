/**
 * Channel-level (structured) pruning pieces shared by Early-Bird tickets and EPI: channel masks
 * drawn from batch-norm scales, their distance, and the stability triggers that decide when the
 * pruned architecture has settled.
 */
package dev.sprig.structured;
