/**
 * Real, not simulated, unstructured sparsity for networks of fully-connected layers: weights in
 * compressed sparse rows, forward and both backward products only over stored entries, the
 * optimiser's state in the same layout, and drop/grow that rebuild the structure in place.
 *
 * <p>Every reference implementation of RigL and SET multiplies dense weights by a mask, so a
 * 95%-sparse network costs what a dense one costs. This package is Sprig's way to turn the FLOP
 * savings into wall-clock savings on a CPU, and to train networks whose dense weights would not fit
 * in memory.
 */
package dev.sprig.sparse.exec;
