package dev.sprig.epi;

import dev.sprig.cost.CostModel;
import dev.sprig.cost.FlopsCostModel;
import dev.sprig.cost.LayerDensities;
import dev.sprig.models.Blueprint;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NetOp;
import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.CouplingGraph;
import dev.sprig.structured.Surgeon;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resource limit on the pruned network (forward FLOPs or parameters, from the cost module, or
 * forward latency measured on the training device, from a {@link LatencyTable}) and the dominant
 * sub-network under it: the channels of a global importance ranking, removing the least important
 * first until the thinner architecture fits. The paper's budget type was not recoverable (anchors
 * §7.1.4); all three are offered, FLOPs by default because it is the only one that is the same on
 * every machine.
 */
public final class ResourceBudget {
    private final Blueprint network;
    private final EpiOptions.Budget kind;
    private final LatencyTable latency;
    private final double target;
    private final double full;
    private final CostModel cost = FlopsCostModel.INSTANCE;

    /**
     * Creates a budget (flops or params).
     *
     * @param network the network whose narrower versions are costed
     * @param kind flops or params
     * @param fraction allowed fraction of the full network's resource
     */
    public ResourceBudget(Blueprint network, EpiOptions.Budget kind, double fraction) {
        this(network, kind, fraction, null);
    }

    /**
     * Creates a budget, with a latency table for the {@code latency} kind.
     *
     * @param network the network whose narrower versions are costed
     * @param kind flops, params or latency
     * @param fraction allowed fraction of the full network's resource
     * @param latency measured table (required for latency, ignored otherwise)
     */
    public ResourceBudget(
            Blueprint network, EpiOptions.Budget kind, double fraction, LatencyTable latency) {
        this.network = network;
        this.kind = kind;
        if (kind == EpiOptions.Budget.LATENCY && latency == null) {
            throw new IllegalArgumentException("a latency budget needs a measured latency table");
        }
        this.latency = latency;
        this.full = resource(Map.of());
        this.target = fraction * full;
    }

    /**
     * Returns the resource of an architecture.
     *
     * @param widths convolution widths overriding the full architecture
     * @return forward FLOPs per example, parameters, or seconds per batch
     */
    public double resource(Map<String, Integer> widths) {
        List<LayerSpec> specs = network.specs(widths);
        return switch (kind) {
            case FLOPS -> cost.forwardFlops(specs, LayerDensities.DENSE);
            case PARAMS -> cost.parameters(specs, LayerDensities.DENSE);
            case LATENCY -> latency.seconds(specs);
        };
    }

    /**
     * Measures the latency table for a model: every prunable layer timed on the device.
     *
     * @param network the network
     * @param timer how to time one layer
     * @return the table
     */
    public static LatencyTable measureLatency(Blueprint network, LatencyTable.LayerTimer timer) {
        List<LayerSpec> full = network.specs(Map.of());
        Map<String, Integer> ones = new LinkedHashMap<>();
        for (CouplingGraph.ChannelGroup g : Surgeon.groups(network.ops(Map.of()))) {
            ones.put(g.conv(), 1);
        }
        return LatencyTable.measure(full, network.specs(ones), timer);
    }

    /**
     * @return the full network's resource
     */
    public double full() {
        return full;
    }

    /**
     * @return the resource the pruned network may use
     */
    public double target() {
        return target;
    }

    /**
     * Chooses the dominant sub-network: removes channels in ascending importance (ties by layer,
     * then channel) and finds by bisection the fewest removals that meet the budget. A layer's most
     * important channel is never removed, so no layer empties; if even that cannot meet the budget,
     * every other channel goes.
     *
     * @param ops the full model's operations
     * @param scores importance per channel by group batch-norm name
     * @return the kept channels
     */
    public ChannelMask dominant(List<NetOp> ops, Map<String, float[]> scores) {
        List<CouplingGraph.ChannelGroup> groups = Surgeon.groups(ops);
        List<int[]> order = new ArrayList<>(); // {group, channel}
        for (int g = 0; g < groups.size(); g++) {
            float[] s = scores.get(groups.get(g).bn());
            int best = 0;
            for (int c = 1; c < s.length; c++) {
                if (s[c] > s[best]) {
                    best = c;
                }
            }
            for (int c = 0; c < s.length; c++) {
                if (c != best) {
                    order.add(new int[] {g, c});
                }
            }
        }
        order.sort(
                Comparator.<int[]>comparingDouble(a -> scores.get(groups.get(a[0]).bn())[a[1]])
                        .thenComparingInt(a -> a[0])
                        .thenComparingInt(a -> a[1]));
        int lo = 0;
        int hi = order.size();
        if (resource(widths(groups, order, hi)) > target) {
            return mask(groups, order, hi);
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (resource(widths(groups, order, mid)) <= target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return mask(groups, order, lo);
    }

    private static Map<String, Integer> widths(
            List<CouplingGraph.ChannelGroup> groups, List<int[]> order, int removed) {
        int[] w = new int[groups.size()];
        for (int g = 0; g < w.length; g++) {
            w[g] = groups.get(g).channels();
        }
        for (int i = 0; i < removed; i++) {
            w[order.get(i)[0]]--;
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int g = 0; g < w.length; g++) {
            out.put(groups.get(g).conv(), w[g]);
        }
        return out;
    }

    private static ChannelMask mask(
            List<CouplingGraph.ChannelGroup> groups, List<int[]> order, int removed) {
        Map<String, boolean[]> keep = new LinkedHashMap<>();
        for (CouplingGraph.ChannelGroup g : groups) {
            boolean[] k = new boolean[g.channels()];
            Arrays.fill(k, true);
            keep.put(g.bn(), k);
        }
        for (int i = 0; i < removed; i++) {
            keep.get(groups.get(order.get(i)[0]).bn())[order.get(i)[1]] = false;
        }
        return new ChannelMask(keep);
    }
}
