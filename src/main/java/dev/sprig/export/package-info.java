/**
 * Trained models taken out of Sprig for inference: DJL's native parameter format and a sparse
 * format (CSR per prunable layer) whose size on disk is the real saving of an unstructured sparse
 * model.
 */
package dev.sprig.export;
