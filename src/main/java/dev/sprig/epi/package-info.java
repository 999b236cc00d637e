/**
 * Early structural pruning with the Early Pruning Indicator (Shen et al., CVPR 2022, "When to
 * Prune? A Policy towards Early Structural Pruning"): rank channels during dense warm-up, track the
 * dominant sub-network under a resource budget, and prune once its architecture stabilises.
 */
package dev.sprig.epi;
