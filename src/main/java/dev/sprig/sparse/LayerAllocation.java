package dev.sprig.sparse;

import dev.sprig.cost.LayerDensities;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exact number of non-zero weights each prunable layer keeps.
 *
 * @param keep non-zero count by layer name
 * @param size weight count by layer name
 */
public record LayerAllocation(Map<String, Long> keep, Map<String, Long> size) {
    /** Validates counts and freezes the maps. */
    public LayerAllocation {
        for (Map.Entry<String, Long> e : keep.entrySet()) {
            long n = size.get(e.getKey());
            if (e.getValue() < 0 || e.getValue() > n) {
                throw new IllegalArgumentException(
                        e.getKey() + ": keep " + e.getValue() + " of " + n);
            }
        }
        keep = Collections.unmodifiableMap(new LinkedHashMap<>(keep));
        size = Collections.unmodifiableMap(new LinkedHashMap<>(size));
    }

    /**
     * Returns the densities for cost accounting.
     *
     * @return keep / size per layer
     */
    public LayerDensities densities() {
        Map<String, Double> d = new LinkedHashMap<>();
        keep.forEach((k, v) -> d.put(k, size.get(k) == 0 ? 1.0 : (double) v / size.get(k)));
        return new LayerDensities(d);
    }

    /**
     * Returns the overall sparsity over all listed layers.
     *
     * @return 1 − Σ keep / Σ size
     */
    public double sparsity() {
        long k = keep.values().stream().mapToLong(Long::longValue).sum();
        long n = size.values().stream().mapToLong(Long::longValue).sum();
        return n == 0 ? 0 : 1 - (double) k / n;
    }
}
