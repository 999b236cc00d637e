package dev.sprig.structured;

import ai.djl.ndarray.NDArray;
import dev.sprig.SprigException;
import dev.sprig.models.Blueprint;
import dev.sprig.models.HostValues;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.NetOp;
import dev.sprig.models.ParameterRole;
import dev.sprig.models.SprigModel;
import dev.sprig.train.SgdOptimizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Physically removes channels: builds the thinner network from the model's {@link Blueprint} and
 * carries the surviving weights, batch-norm statistics and optimizer momentum over, so training
 * continues where it stopped.
 *
 * <p>Which channels may go, and what shrinks with them, is the {@link CouplingGraph} of the model's
 * operations: a convolution's outputs, its batch norms and the inputs of every layer that reads
 * them. Outputs that join a residual sum keep their width, so residual additions always line up;
 * this is what the Early-Bird authors' {@code channel_selection} achieves for PreResNet by masking
 * instead of removing. The same rules hold for a zoo network and for one defined in Java.
 */
public final class Surgeon {
    private Surgeon() {}

    /**
     * Lists the channel groups that surgery may shrink.
     *
     * @param ops the model's operations
     * @return groups in model order (empty for models without batch-normed convolutions)
     */
    public static List<CouplingGraph.ChannelGroup> groups(List<NetOp> ops) {
        return CouplingGraph.groups(ops);
    }

    /**
     * Returns the batch-norm scales of the groups' batch norms, the input of a channel mask.
     *
     * @param model the model
     * @return |γ| source arrays by batch-norm name, in model order
     */
    public static Map<String, float[]> groupScales(SprigModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (CouplingGraph.ChannelGroup g : groups(model.ops())) {
            out.put(g.bn(), model.parameters().get(g.bn() + ".gamma").array().toFloatArray());
        }
        return out;
    }

    /**
     * Converts a mask over group batch norms into convolution widths (a config's {@code
     * channel_widths}).
     *
     * @param ops the full model's operations
     * @param mask kept channels by batch-norm name
     * @return width by convolution name
     */
    public static Map<String, Integer> widths(List<NetOp> ops, ChannelMask mask) {
        Map<String, Integer> counts = mask.counts();
        Map<String, Integer> w = new LinkedHashMap<>();
        for (CouplingGraph.ChannelGroup g : groups(ops)) {
            Integer n = counts.get(g.bn());
            if (n != null) {
                w.put(g.conv(), Math.max(1, n));
            }
        }
        return w;
    }

    /**
     * Lists the channels a mask keeps, by convolution: the record that rebuilds a ticket from the
     * dense network (Torch-Pruning's pruning history).
     *
     * @param ops the full model's operations
     * @param mask kept channels by batch-norm name
     * @return kept channel indices, ascending, by convolution name
     */
    public static Map<String, int[]> keptChannels(List<NetOp> ops, ChannelMask mask) {
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (CouplingGraph.ChannelGroup g : groups(ops)) {
            if (mask.layers().contains(g.bn())) {
                kept.put(g.conv(), indices(mask.layer(g.bn())));
            }
        }
        return kept;
    }

    /**
     * Builds the thinner model and copies every surviving parameter (and, when both optimizers are
     * given, its momentum) into it.
     *
     * @param big the trained full model
     * @param mask kept channels by group batch-norm name (groups absent from it keep all)
     * @param bigOptimizer the full model's optimizer, or null
     * @param thinOptimizer receives the carried momentum, or null
     * @param seed seed for the thin model's (overwritten) initialisation
     * @return the thin model (the caller closes it)
     */
    public static SprigModel shrink(
            SprigModel big,
            ChannelMask mask,
            SgdOptimizer bigOptimizer,
            SgdOptimizer thinOptimizer,
            long seed) {
        if (big.manager() == null) {
            throw new IllegalStateException("the model is closed");
        }
        // Rows (dimension 0) each layer keeps, and columns (dimension 1) each reader keeps.
        Map<String, int[]> rows = new LinkedHashMap<>();
        Map<String, int[]> cols = new LinkedHashMap<>();
        Map<String, Integer> widths = new LinkedHashMap<>();
        for (CouplingGraph.ChannelGroup g : groups(big.ops())) {
            if (!mask.layers().contains(g.bn())) {
                continue;
            }
            int[] kept = indices(mask.layer(g.bn()));
            widths.put(g.conv(), kept.length);
            rows.put(g.conv(), kept);
            for (String bn : g.batchNorms()) {
                rows.put(bn, kept);
            }
            for (CouplingGraph.Reader r : g.readers()) {
                cols.put(r.layer(), expand(kept, r.featuresPerChannel()));
            }
        }
        Map<String, Integer> all = new LinkedHashMap<>(big.channelWidths());
        all.putAll(widths);
        SprigModel thin = big.blueprint().build(all, big.device(), seed, 1f);
        Map<String, NDArray> thinMomentum = thinOptimizer == null ? null : thinOptimizer.momentum();
        for (NamedParameter p : thin.parameters().values()) {
            NamedParameter source = big.parameters().get(p.name());
            if (source == null) {
                throw new SprigException(
                        "surgery: " + p.name() + " has no counterpart in the full model");
            }
            long[] shape = source.array().getShape().getShape();
            int[] r = rows.get(p.layer().name());
            int[] c = p.role() == ParameterRole.WEIGHT ? cols.get(p.layer().name()) : null;
            HostValues.write(p.array(), slice(source.array().toFloatArray(), shape, r, c));
            if (bigOptimizer != null && thinMomentum != null) {
                NDArray v = bigOptimizer.momentum().get(p.name());
                if (v != null) {
                    NDArray sliced =
                            p.array()
                                    .getManager()
                                    .create(
                                            slice(v.toFloatArray(), shape, r, c),
                                            p.array().getShape());
                    NDArray old = thinMomentum.put(p.name(), sliced);
                    if (old != null) {
                        old.close();
                    }
                }
            }
        }
        return thin;
    }

    /** Indices of every feature of the kept channels, {@code per} features per channel. */
    private static int[] expand(int[] channels, int per) {
        if (per == 1) {
            return channels;
        }
        int[] out = new int[channels.length * per];
        for (int i = 0; i < channels.length; i++) {
            for (int k = 0; k < per; k++) {
                out[i * per + k] = channels[i] * per + k;
            }
        }
        return out;
    }

    private static int[] indices(boolean[] keep) {
        int n = 0;
        for (boolean k : keep) {
            n += k ? 1 : 0;
        }
        int[] idx = new int[n];
        int j = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                idx[j++] = i;
            }
        }
        return idx;
    }

    /**
     * Keeps the selected rows (dimension 0) and columns (dimension 1) of a row-major tensor.
     *
     * @param v values
     * @param shape full shape
     * @param rows kept indices of dimension 0, null for all
     * @param cols kept indices of dimension 1, null for all (ignored for vectors)
     * @return the sliced values
     */
    static float[] slice(float[] v, long[] shape, int[] rows, int[] cols) {
        int d0 = (int) shape[0];
        int d1 = shape.length > 1 ? (int) shape[1] : 1;
        int inner = 1;
        for (int i = 2; i < shape.length; i++) {
            inner *= (int) shape[i];
        }
        int[] r = rows != null ? rows : range(d0);
        int[] c = shape.length > 1 && cols != null ? cols : range(d1);
        float[] out = new float[r.length * c.length * inner];
        int k = 0;
        for (int i : r) {
            for (int j : c) {
                System.arraycopy(v, (i * d1 + j) * inner, out, k, inner);
                k += inner;
            }
        }
        return out;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
