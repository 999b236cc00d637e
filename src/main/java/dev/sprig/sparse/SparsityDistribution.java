package dev.sprig.sparse;

import dev.sprig.SprigException;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How an overall sparsity is spread over layers. Every distribution returns an exact keep count per
 * layer, so masks can be drawn with exactly that many non-zeros (not Bernoulli samples, whose
 * counts drift: sparse_learning #20, #22).
 *
 * <p>ERK and ER follow Evci et al. (RigL, arXiv:1911.11134) as in {@code rigl/sparse_utils.py}:
 * layer l gets density \( \epsilon\, p_l \) with \( p_l = \sum \mathrm{dims} / \prod \mathrm{dims}
 * \) (ER ignores kernel dimensions); ε solves \( \sum_l \epsilon p_l N_l = (1-S) \sum_l N_l \); a
 * layer whose density would exceed 1 is made dense and ε is solved again over the rest.
 */
public interface SparsityDistribution {
    /**
     * Allocates keep counts.
     *
     * @param layers prunable layers (conv and linear), in model order
     * @param sparsity overall target in [0, 1)
     * @return exact keep count per layer
     */
    LayerAllocation allocate(List<LayerSpec> layers, double sparsity);

    /**
     * The same sparsity in every layer, optionally leaving the first and last layer dense.
     *
     * @param firstLayerDense keep the first layer dense (RigL's ImageNet default for uniform)
     * @param lastLayerDense keep the output layer dense
     * @return the distribution
     */
    static SparsityDistribution uniform(boolean firstLayerDense, boolean lastLayerDense) {
        return (layers, s) -> {
            checkSparsity(s);
            Map<String, Long> keep = new LinkedHashMap<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec l = layers.get(i);
                boolean dense =
                        (firstLayerDense && i == 0) || (lastLayerDense && i == layers.size() - 1);
                keep.put(l.name(), dense ? l.weightCount() : Math.round((1 - s) * l.weightCount()));
            }
            return new LayerAllocation(keep, sizes(layers));
        };
    }

    /**
     * Erdős–Rényi-Kernel: density ∝ (sum of all weight dimensions) / (their product).
     *
     * @return the distribution
     */
    static SparsityDistribution erk() {
        return (layers, s) -> erdosRenyi(layers, s, true);
    }

    /**
     * Erdős–Rényi: density ∝ (n_in + n_out) / (n_in · n_out), kernel ignored.
     *
     * @return the distribution
     */
    static SparsityDistribution er() {
        return (layers, s) -> erdosRenyi(layers, s, false);
    }

    /**
     * Explicit per-layer densities; unlisted layers get the overall sparsity.
     *
     * @param densities density in [0, 1] by layer name
     * @return the distribution
     */
    static SparsityDistribution custom(Map<String, Double> densities) {
        return (layers, s) -> {
            checkSparsity(s);
            Set<String> names = new HashSet<>();
            Map<String, Long> keep = new LinkedHashMap<>();
            for (LayerSpec l : layers) {
                names.add(l.name());
                double d = densities.getOrDefault(l.name(), 1 - s);
                if (!(d >= 0 && d <= 1)) {
                    throw new SprigException(
                            "density of " + l.name() + " must be in [0, 1], got " + d);
                }
                keep.put(l.name(), Math.round(d * l.weightCount()));
            }
            for (String k : densities.keySet()) {
                if (!names.contains(k)) {
                    throw new SprigException(
                            "custom density for unknown layer '" + k + "'; layers: " + names);
                }
            }
            return new LayerAllocation(keep, sizes(layers));
        };
    }

    /**
     * Looks a distribution up by name.
     *
     * @param name uniform, er, erk
     * @param firstLayerDense for uniform
     * @param lastLayerDense for uniform
     * @param custom per-layer densities (used when non-empty, with any name)
     * @return the distribution
     */
    static SparsityDistribution named(
            String name,
            boolean firstLayerDense,
            boolean lastLayerDense,
            Map<String, Double> custom) {
        if (custom != null && !custom.isEmpty()) {
            return custom(custom);
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "uniform", "random" -> uniform(firstLayerDense, lastLayerDense);
            case "erk" -> erk();
            case "er" -> er();
            default ->
                    throw new SprigException(
                            "distribution must be uniform, er or erk, got '" + name + "'");
        };
    }

    private static void checkSparsity(double s) {
        if (!(s >= 0 && s < 1)) {
            throw new SprigException("sparsity must be in [0, 1), got " + s);
        }
    }

    private static Map<String, Long> sizes(List<LayerSpec> layers) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (LayerSpec l : layers) {
            if (!l.kind().isPrunable()) {
                throw new IllegalArgumentException(l.name() + " is not prunable");
            }
            m.put(l.name(), l.weightCount());
        }
        return m;
    }

    private static LayerAllocation erdosRenyi(List<LayerSpec> layers, double s, boolean kernel) {
        checkSparsity(s);
        Map<String, Long> size = sizes(layers);
        Map<String, Double> raw = new LinkedHashMap<>();
        for (LayerSpec l : layers) {
            long[] shape = l.weightShape();
            double sum;
            double prod;
            if (kernel || l.kind() == LayerKind.LINEAR) {
                sum = 0;
                prod = 1;
                for (long d : shape) {
                    sum += d;
                    prod *= d;
                }
            } else {
                sum = shape[0] + shape[1];
                prod = (double) shape[0] * shape[1];
            }
            raw.put(l.name(), sum / prod);
        }
        double total = size.values().stream().mapToLong(Long::longValue).sum();
        Set<String> dense = new HashSet<>();
        double eps;
        while (true) {
            double budget = (1 - s) * total;
            double weighted = 0;
            for (LayerSpec l : layers) {
                if (dense.contains(l.name())) {
                    budget -= l.weightCount();
                } else {
                    weighted += raw.get(l.name()) * l.weightCount();
                }
            }
            eps = weighted == 0 ? 0 : budget / weighted;
            String worst = null;
            double worstDensity = 1;
            for (LayerSpec l : layers) {
                if (!dense.contains(l.name()) && eps * raw.get(l.name()) > worstDensity) {
                    worstDensity = eps * raw.get(l.name());
                    worst = l.name();
                }
            }
            if (worst == null) {
                break;
            }
            dense.add(worst);
        }
        Map<String, Long> keep = new LinkedHashMap<>();
        for (LayerSpec l : layers) {
            keep.put(
                    l.name(),
                    dense.contains(l.name())
                            ? l.weightCount()
                            : Math.max(
                                    0,
                                    Math.min(
                                            l.weightCount(),
                                            Math.round(
                                                    eps * raw.get(l.name()) * l.weightCount()))));
        }
        return new LayerAllocation(keep, size);
    }
}
