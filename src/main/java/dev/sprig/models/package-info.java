/**
 * The model zoo. Each model is declared once through {@link dev.sprig.models.NetBuilder}, which
 * produces both the engine's block and a {@link dev.sprig.models.LayerSpec} per layer, so every
 * prunable weight and batch norm has a stable name, a type and a shape. Knows nothing about
 * sparsity.
 */
package dev.sprig.models;
