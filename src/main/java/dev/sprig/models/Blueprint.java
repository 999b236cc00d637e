package dev.sprig.models;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a network is built from, so it can be built again with some convolutions narrowed: a zoo
 * architecture ({@link ModelZoo#blueprint}) or a network defined in Java ({@link #wrapped}).
 * Structured pruning reads a blueprint's operations to find which channels are coupled, and builds
 * the thin network from it; nothing depends on parameter names.
 */
public interface Blueprint {
    /**
     * Returns the network's name (the zoo key, or the name a user gave).
     *
     * @return the name
     */
    String name();

    /**
     * Returns the forward computation with some convolutions' widths overridden.
     *
     * @param widths output channels by convolution name (empty for the full network)
     * @return the operations in order
     */
    List<NetOp> ops(Map<String, Integer> widths);

    /**
     * Returns the layers with some convolutions' widths overridden, for costs.
     *
     * @param widths output channels by convolution name
     * @return the layer specs in order
     */
    default List<LayerSpec> specs(Map<String, Integer> widths) {
        List<LayerSpec> out = new ArrayList<>();
        collect(ops(widths), out);
        return out;
    }

    private static void collect(List<NetOp> ops, List<LayerSpec> out) {
        for (NetOp op : ops) {
            if (op instanceof NetOp.Conv c) {
                out.add(c.spec());
            } else if (op instanceof NetOp.BatchNorm b) {
                out.add(b.spec());
            } else if (op instanceof NetOp.Linear l) {
                out.add(l.spec());
            } else if (op instanceof NetOp.Residual r) {
                collect(r.main(), out);
                collect(r.shortcut(), out);
            }
        }
    }

    /**
     * Builds and initialises the network with some convolutions narrowed.
     *
     * @param widths output channels by convolution name
     * @param device where the parameters live
     * @param seed initialisation seed
     * @param gammaInit initial batch-norm scale
     * @return the model, owning its manager
     */
    SprigModel build(Map<String, Integer> widths, Device device, long seed, float gammaInit);

    /**
     * The blueprint of a network defined in Java. The supplier gives a fresh, uninitialised block
     * on every call (structured pruning builds a second, thinner network while the first is alive,
     * and DJL blocks cannot be shared); its Conv2d layers are rebuilt with narrower widths where
     * asked, everything else is used as supplied.
     *
     * @param name a name for logs and summaries
     * @param network supplies the network: sequential blocks of Conv2d, Linear, BatchNorm and
     *     parameter-free blocks (see {@link SprigModel#wrap})
     * @param channels input channels
     * @param size input height and width
     * @param classes outputs of the last layer
     * @return the blueprint
     */
    static Blueprint wrapped(
            String name,
            java.util.function.Supplier<ai.djl.nn.Block> network,
            int channels,
            int size,
            int classes) {
        return new WrappedBlueprint(name, network, channels, size, classes);
    }
}
