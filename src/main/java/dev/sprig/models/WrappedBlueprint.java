package dev.sprig.models;

import ai.djl.Device;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The blueprint of a network defined in Java: a supplier of fresh blocks, whose convolutions are
 * named {@code conv1, conv2, ...} in the order {@link SprigModel#wrap} reads them.
 */
final class WrappedBlueprint implements Blueprint {
    private final String name;
    private final Supplier<Block> network;
    private final int channels;
    private final int size;
    private final int classes;

    WrappedBlueprint(String name, Supplier<Block> network, int channels, int size, int classes) {
        this.name = name;
        this.network = network;
        this.channels = channels;
        this.size = size;
        this.classes = classes;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<NetOp> ops(Map<String, Integer> widths) {
        try (SprigModel m =
                SprigModel.wrap(name, narrowed(widths), channels, size, classes, Device.cpu())) {
            return m.ops();
        }
    }

    @Override
    public SprigModel build(
            Map<String, Integer> widths, Device device, long seed, float gammaInit) {
        SprigModel m =
                SprigModel.wrap(
                        name, narrowed(widths), channels, size, classes, device, this, widths);
        m.initialize(seed, gammaInit);
        return m;
    }

    /** A fresh block with the named convolutions rebuilt at the given widths. */
    private Block narrowed(Map<String, Integer> widths) {
        Block fresh = network.get();
        if (fresh == null) {
            throw new IllegalArgumentException(name + ": the network supplier returned null");
        }
        int[] count = new int[1];
        java.util.Set<String> unknown = new java.util.TreeSet<>(widths.keySet());
        Block b = rebuild(fresh, widths, count, unknown);
        if (!unknown.isEmpty()) {
            throw new dev.sprig.SprigException(
                    "channel_widths names layers that " + name + " does not have: " + unknown);
        }
        return b;
    }

    private static Block rebuild(
            Block b, Map<String, Integer> widths, int[] count, java.util.Set<String> unknown) {
        if (b instanceof SequentialBlock seq) {
            SequentialBlock copy = new SequentialBlock();
            for (Block child : seq.getChildren().values()) {
                copy.add(rebuild(child, widths, count, unknown));
            }
            return copy;
        }
        if (b instanceof Conv2d c) {
            String conv = "conv" + ++count[0];
            Integer w = widths.get(conv);
            unknown.remove(conv);
            if (w != null && w != c.getFilters()) {
                return Conv2d.builder()
                        .setKernelShape(c.getKernelShape())
                        .optStride(c.getStride())
                        .optPadding(c.getPadding())
                        .optDilation(c.getDilation())
                        .optGroups(c.getGroups())
                        .optBias(c.isIncludeBias())
                        .setFilters(w)
                        .build();
            }
        }
        return b;
    }
}
