package dev.sprig.cost;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fraction of weights that are non-zero in each prunable layer; layers not listed are dense.
 *
 * @param byLayer density in [0, 1] by layer name
 */
public record LayerDensities(Map<String, Double> byLayer) {
    /** Dense everywhere. */
    public static final LayerDensities DENSE = new LayerDensities(Map.of());

    /** Validates densities and freezes the map. */
    public LayerDensities {
        for (Map.Entry<String, Double> e : byLayer.entrySet()) {
            double d = e.getValue();
            if (!(d >= 0 && d <= 1)) {
                throw new IllegalArgumentException(
                        "density of " + e.getKey() + " must be in [0, 1], got " + d);
            }
        }
        byLayer = Collections.unmodifiableMap(new LinkedHashMap<>(byLayer));
    }

    /**
     * Returns the density of a layer.
     *
     * @param layer layer name
     * @return its density, 1 when not listed
     */
    public double of(String layer) {
        return byLayer.getOrDefault(layer, 1.0);
    }
}
