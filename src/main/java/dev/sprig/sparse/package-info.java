/**
 * Unstructured sparse training: exact-count masks, layer distributions (uniform, ER, ERK), and the
 * RigL family of methods (static, SNIP, GMP, SET, SNFS, RigL) as training hooks, found by name in
 * {@link dev.sprig.sparse.SparseMethods}.
 */
package dev.sprig.sparse;
