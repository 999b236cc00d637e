package dev.sprig.structured;

import dev.sprig.models.LayerSpec;
import dev.sprig.models.NetOp;
import java.util.ArrayList;
import java.util.List;

/**
 * Which channels structured pruning may remove, and what must shrink with them, derived from a
 * network's recorded operations ({@link NetOp}), not from parameter names (Torch-Pruning's
 * dependency graph, {@code torch_pruning/dependency/graph.py}, for the layers Sprig builds).
 *
 * <p>Walking the operations, each convolution starts a new set of channels. Batch norms on those
 * channels shrink with them (the first one's scales rank them), and every layer that reads them
 * loses the matching inputs: a convolution its input channels, a linear layer the features of each
 * channel (all its spatial positions, when the channels are flattened). Channels are pinned (kept
 * whole) when a residual addition reads them (the sum needs equal widths in both branches), when
 * they enter a residual block (both branches would have to shrink alike), when a grouped
 * convolution produces or reads them, or when they are the network's output. What remains is a
 * group: one convolution, its batch norms and its readers. Parameter-free blocks of a network
 * defined in Java ({@link NetOp.Opaque}) are taken to act on each channel alone.
 */
public final class CouplingGraph {
    /**
     * A layer that reads a group's channels.
     *
     * @param layer the reading layer's name
     * @param featuresPerChannel its inputs per channel: 1 for a convolution, the spatial positions
     *     for a linear layer reading flattened channels
     */
    public record Reader(String layer, int featuresPerChannel) {}

    /**
     * A removable group: a convolution's output channels and everything that shrinks with them.
     *
     * @param conv the producing convolution
     * @param bn the batch norm whose scales rank the channels
     * @param channels current width
     * @param batchNorms every batch norm on these channels (the ranking one first)
     * @param readers the layers that read them
     */
    public record ChannelGroup(
            String conv, String bn, int channels, List<String> batchNorms, List<Reader> readers) {
        /**
         * Creates a group.
         *
         * @param conv the producing convolution
         * @param bn the batch norm whose scales rank the channels
         * @param channels current width
         * @param batchNorms every batch norm on these channels
         * @param readers the layers that read them
         */
        public ChannelGroup {
            batchNorms = List.copyOf(batchNorms);
            readers = List.copyOf(readers);
        }
    }

    /** Channels produced by one convolution, as the walk follows them. */
    private static final class Channels {
        final LayerSpec conv;
        final List<String> batchNorms = new ArrayList<>();
        final List<Reader> readers = new ArrayList<>();
        boolean pinned;

        Channels(LayerSpec conv) {
            this.conv = conv;
            this.pinned = conv.groups() != 1;
        }
    }

    private CouplingGraph() {}

    /**
     * Finds the removable groups of a network.
     *
     * @param ops the network's operations
     * @return groups in the order their convolutions run
     */
    public static List<ChannelGroup> groups(List<NetOp> ops) {
        List<Channels> all = new ArrayList<>();
        Channels out = walk(ops, null, all);
        if (out != null) {
            out.pinned = true; // the network's output
        }
        List<ChannelGroup> groups = new ArrayList<>();
        for (Channels c : all) {
            if (!c.pinned && !c.batchNorms.isEmpty() && !c.readers.isEmpty()) {
                groups.add(
                        new ChannelGroup(
                                c.conv.name(),
                                c.batchNorms.get(0),
                                c.conv.outChannels(),
                                c.batchNorms,
                                c.readers));
            }
        }
        return groups;
    }

    private static Channels walk(List<NetOp> ops, Channels in, List<Channels> all) {
        Channels current = in;
        for (NetOp op : ops) {
            if (op instanceof NetOp.Conv c) {
                if (current != null) {
                    current.readers.add(new Reader(c.spec().name(), 1));
                    current.pinned |= c.spec().groups() != 1;
                }
                current = new Channels(c.spec());
                all.add(current);
            } else if (op instanceof NetOp.BatchNorm b) {
                if (current != null) {
                    current.batchNorms.add(b.spec().name());
                }
            } else if (op instanceof NetOp.Linear l) {
                if (current != null) {
                    int features = l.spec().inChannels();
                    int channels = current.conv.outChannels();
                    if (features % channels == 0) {
                        current.readers.add(new Reader(l.spec().name(), features / channels));
                    } else {
                        current.pinned = true; // not a flattening of these channels
                    }
                }
                current = null; // a linear layer's outputs are not channels surgery removes
            } else if (op instanceof NetOp.Residual r) {
                if (current != null) {
                    current.pinned = true; // read by both branches
                }
                Channels main = walk(r.main(), current, all);
                Channels shortcut =
                        r.shortcut().isEmpty() ? current : walk(r.shortcut(), current, all);
                for (Channels summed : new Channels[] {main, shortcut}) {
                    if (summed != null) {
                        summed.pinned = true; // the addition needs equal widths
                    }
                }
                current = main;
            }
            // ReLU, pooling, flattening and opaque blocks act on each channel alone.
        }
        return current;
    }
}
