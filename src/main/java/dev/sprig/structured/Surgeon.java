package dev.sprig.structured;

import ai.djl.ndarray.NDArray;
import dev.sprig.SprigException;
import dev.sprig.models.HostValues;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import dev.sprig.train.SgdOptimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Physically removes channels: builds the thinner network and carries the surviving weights,
 * batch-norm statistics and optimizer momentum over, so training continues where it stopped.
 *
 * <p>Which channels may go is dependency-aware: a convolution's output channels are removable
 * when nothing but the next layer of its own branch reads them (every VGG convolution; the inner
 * convolutions of a residual block). Outputs that join a residual sum (block outputs, shortcuts,
 * the stem of a ResNet) keep their width, so residual additions always line up; this is what the
 * Early-Bird authors' {@code channel_selection} achieves for PreResNet by masking instead of
 * removing. Each removable convolution is paired with the batch norm that follows it, whose
 * scales rank its channels.
 */
public final class Surgeon {
    private static final Pattern BLOCK_CONV = Pattern.compile("((?:layer|block)\\d+\\.\\d+\\.)conv(\\d+)");

    /**
     * A removable group: a convolution's output channels and the batch norm that scales them.
     *
     * @param conv convolution name
     * @param bn batch-norm name
     * @param channels current width
     */
    public record ChannelGroup(String conv, String bn, int channels) {}

    private Surgeon() {}

    /**
     * Lists the channel groups that surgery may shrink.
     *
     * @param layers the model's layer specs
     * @return groups in model order (empty for models without batch-normed convolutions)
     */
    public static List<ChannelGroup> groups(List<LayerSpec> layers) {
        List<ChannelGroup> out = new ArrayList<>();
        for (int i = 0; i + 1 < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            LayerSpec next = layers.get(i + 1);
            if (l.kind() != LayerKind.CONV || next.kind() != LayerKind.BATCH_NORM || l.groups() != 1
                    || next.outChannels() != l.outChannels()) {
                continue;
            }
            if (l.name().startsWith("features.") || isInnerBlockConv(l.name(), layers)) {
                out.add(new ChannelGroup(l.name(), next.name(), l.outChannels()));
            }
        }
        return out;
    }

    private static boolean isInnerBlockConv(String name, List<LayerSpec> layers) {
        Matcher m = BLOCK_CONV.matcher(name);
        if (!m.matches()) {
            return false;
        }
        int index = Integer.parseInt(m.group(2));
        for (LayerSpec other : layers) {
            Matcher o = BLOCK_CONV.matcher(other.name());
            if (o.matches() && o.group(1).equals(m.group(1)) && Integer.parseInt(o.group(2)) > index) {
                return true; // a later convolution of the same main branch reads these channels
            }
        }
        return false;
    }

    /**
     * Returns the batch-norm scales of the groups' batch norms, the input of a channel mask.
     *
     * @param model the model
     * @return |γ| source arrays by batch-norm name, in model order
     */
    public static Map<String, float[]> groupScales(SprigModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (ChannelGroup g : groups(model.layers())) {
            out.put(g.bn(), model.parameters().get(g.bn() + ".gamma").array().toFloatArray());
        }
        return out;
    }

    /**
     * Converts a mask over group batch norms into convolution widths (a config's {@code channel_widths}).
     *
     * @param layers the full model's specs
     * @param mask kept channels by batch-norm name
     * @return width by convolution name
     */
    public static Map<String, Integer> widths(List<LayerSpec> layers, ChannelMask mask) {
        Map<String, Integer> counts = mask.counts();
        Map<String, Integer> w = new LinkedHashMap<>();
        for (ChannelGroup g : groups(layers)) {
            Integer n = counts.get(g.bn());
            if (n != null) {
                w.put(g.conv(), Math.max(1, n));
            }
        }
        return w;
    }

    /**
     * Builds the thinner model and copies every surviving parameter (and, when both optimizers
     * are given, its momentum) into it.
     *
     * @param big the trained full model
     * @param mask kept channels by group batch-norm name (groups absent from it keep all)
     * @param bigOptimizer the full model's optimizer, or null
     * @param thinOptimizer receives the carried momentum, or null
     * @param seed seed for the thin model's (overwritten) initialisation
     * @return the thin model (the caller closes it)
     */
    public static SprigModel shrink(SprigModel big, ChannelMask mask, SgdOptimizer bigOptimizer, SgdOptimizer thinOptimizer,
            long seed) {
        List<LayerSpec> layers = big.layers();
        Map<String, int[]> keptByConv = new LinkedHashMap<>();
        for (ChannelGroup g : groups(layers)) {
            if (mask.layers().contains(g.bn())) {
                keptByConv.put(g.conv(), indices(mask.layer(g.bn())));
            }
        }
        Map<String, Integer> widths = new LinkedHashMap<>();
        keptByConv.forEach((k, v) -> widths.put(k, v.length));
        if (big.manager() == null) {
            throw new IllegalStateException("the model is closed");
        }
        long[] in = big.inputShape().getShape();
        SprigModel thin = ModelZoo.create(big.architecture(), (int) in[1], (int) in[2], big.classes(), big.widthMultiplier(),
                mergedWidths(big, widths), big.device(), seed, 1f);
        // Output selection of each layer, and the input selection it inherits from the last conv before it.
        Map<String, int[]> outSel = new LinkedHashMap<>();
        Map<String, int[]> inSel = new LinkedHashMap<>();
        int[] lastConvOut = null;
        for (LayerSpec l : layers) {
            switch (l.kind()) {
                case CONV -> {
                    inSel.put(l.name(), lastConvOut);
                    int[] o = keptByConv.get(l.name());
                    outSel.put(l.name(), o);
                    lastConvOut = o;
                }
                case BATCH_NORM -> outSel.put(l.name(), lastConvOut);
                case LINEAR -> {
                    inSel.put(l.name(), lastConvOut);
                    lastConvOut = null;
                }
                default -> { }
            }
        }
        Map<String, NDArray> thinMomentum = thinOptimizer == null ? null : thinOptimizer.momentum();
        for (NamedParameter p : thin.parameters().values()) {
            NamedParameter source = big.parameters().get(p.name());
            if (source == null) {
                throw new SprigException("surgery: " + p.name() + " has no counterpart in the full model");
            }
            long[] shape = source.array().getShape().getShape();
            int[] rows = outSel.get(p.layer().name());
            int[] cols = p.role() == dev.sprig.models.ParameterRole.WEIGHT ? inSel.get(p.layer().name()) : null;
            HostValues.write(p.array(), slice(source.array().toFloatArray(), shape, rows, cols));
            if (bigOptimizer != null && thinMomentum != null) {
                NDArray v = bigOptimizer.momentum().get(p.name());
                if (v != null) {
                    NDArray sliced = p.array().getManager().create(slice(v.toFloatArray(), shape, rows, cols),
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

    private static Map<String, Integer> mergedWidths(SprigModel big, Map<String, Integer> widths) {
        Map<String, Integer> all = new LinkedHashMap<>(big.channelWidths());
        all.putAll(widths);
        return all;
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
