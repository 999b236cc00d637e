package dev.sprig.structured;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which channels of each batch-norm layer survive, in model order: the "ticket" of Early-Bird and
 * the architecture of EPI's dominant sub-network.
 */
public final class ChannelMask {
    private final Map<String, boolean[]> keep;

    /**
     * Creates a mask.
     *
     * @param keep kept channels by batch-norm layer name, in model order (copied)
     */
    public ChannelMask(Map<String, boolean[]> keep) {
        Map<String, boolean[]> m = new LinkedHashMap<>();
        keep.forEach((k, v) -> m.put(k, v.clone()));
        this.keep = Collections.unmodifiableMap(m);
    }

    /**
     * Draws the mask that prunes a fraction of all channels by |γ|, as the Early-Bird code does:
     * sort every |γ| of the network, take {@code sorted[floor(total · ratio)]} as the threshold and
     * keep the channels strictly above it (or the same per layer). Unlike the anchor VGG pruner, a
     * layer is never emptied: its largest |γ| survives.
     *
     * @param gammas batch-norm scales by layer, in model order
     * @param ratio fraction of channels to prune, in [0, 1)
     * @param perLayer threshold each layer on its own instead of globally
     * @return the mask
     */
    public static ChannelMask fromScales(
            Map<String, float[]> gammas, double ratio, boolean perLayer) {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("pruning ratio must be in [0, 1), got " + ratio);
        }
        float global =
                threshold(
                        gammas.values().stream()
                                .flatMap(g -> java.util.stream.Stream.of(g))
                                .toArray(float[][]::new),
                        ratio);
        Map<String, boolean[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : gammas.entrySet()) {
            float[] g = e.getValue();
            float thr = perLayer ? threshold(new float[][] {g}, ratio) : global;
            boolean[] m = new boolean[g.length];
            int best = 0;
            boolean any = false;
            for (int i = 0; i < g.length; i++) {
                m[i] = Math.abs(g[i]) > thr;
                any |= m[i];
                if (Math.abs(g[i]) > Math.abs(g[best])) {
                    best = i;
                }
            }
            if (!any && g.length > 0) {
                m[best] = true;
            }
            out.put(e.getKey(), m);
        }
        return new ChannelMask(out);
    }

    private static float threshold(float[][] parts, double ratio) {
        int total = 0;
        for (float[] p : parts) {
            total += p.length;
        }
        float[] all = new float[total];
        int k = 0;
        for (float[] p : parts) {
            for (float v : p) {
                all[k++] = Math.abs(v);
            }
        }
        Arrays.sort(all);
        return all[(int) Math.floor(total * ratio)];
    }

    /**
     * Normalised Hamming distance: the fraction of channels on which two masks disagree.
     *
     * @param other a mask over the same layers and widths
     * @return distance in [0, 1]
     */
    public double distance(ChannelMask other) {
        if (!keep.keySet().equals(other.keep.keySet())) {
            throw new IllegalArgumentException("masks cover different layers");
        }
        long differ = 0;
        long total = 0;
        for (Map.Entry<String, boolean[]> e : keep.entrySet()) {
            boolean[] a = e.getValue();
            boolean[] b = other.keep.get(e.getKey());
            if (a.length != b.length) {
                throw new IllegalArgumentException(
                        e.getKey() + ": widths " + a.length + " and " + b.length + " differ");
            }
            for (int i = 0; i < a.length; i++) {
                differ += a[i] != b[i] ? 1 : 0;
            }
            total += a.length;
        }
        return total == 0 ? 0 : (double) differ / total;
    }

    /**
     * Returns the surviving channel count per layer: the thinner architecture.
     *
     * @return counts by layer name
     */
    public Map<String, Integer> counts() {
        Map<String, Integer> c = new LinkedHashMap<>();
        keep.forEach(
                (k, v) -> {
                    int n = 0;
                    for (boolean b : v) {
                        n += b ? 1 : 0;
                    }
                    c.put(k, n);
                });
        return c;
    }

    /**
     * Returns the kept channels of one layer.
     *
     * @param layer batch-norm layer name
     * @return a copy of its mask
     */
    public boolean[] layer(String layer) {
        return keep.get(layer).clone();
    }

    /**
     * @return the layer names, in model order
     */
    public java.util.Set<String> layers() {
        return keep.keySet();
    }
}
