package dev.sprig.sparse;

import static dev.sprig.SprigException.require;

import dev.sprig.train.TrainConfig;
import java.util.Map;

/**
 * How sparse a network trains and how the sparsity is spread over its layers, parsed and checked
 * once from a config ({@code sparse:} in {@code config.yaml}).
 *
 * @param sparsity overall sparsity of the prunable weights, in [0, 1)
 * @param distribution the per-layer allocation (ERK, ER, uniform or explicit densities)
 */
public record SparsityOptions(double sparsity, SparsityDistribution distribution) {
    /**
     * Reads and checks the options.
     *
     * @param c the config
     * @return the options
     * @throws dev.sprig.SprigException naming the bad key and value
     */
    public static SparsityOptions from(TrainConfig c) {
        require(c.sparsity >= 0 && c.sparsity < 1, "sparsity must be in [0, 1), got " + c.sparsity);
        require(c.distribution != null, "distribution must be uniform, er or erk, got null");
        Map<String, Double> custom = c.layerDensities == null ? Map.of() : c.layerDensities;
        custom.forEach(
                (layer, d) ->
                        require(
                                d != null && d > 0 && d <= 1,
                                "layer_densities must lie in (0, 1], got " + layer + "=" + d));
        // The name is checked even when explicit densities override it: a typo is never silently
        // accepted.
        SparsityDistribution named =
                SparsityDistribution.named(
                        c.distribution, c.firstLayerDense, c.lastLayerDense, Map.of());
        return new SparsityOptions(
                c.sparsity,
                custom.isEmpty()
                        ? named
                        : SparsityDistribution.named(
                                c.distribution, c.firstLayerDense, c.lastLayerDense, custom));
    }
}
