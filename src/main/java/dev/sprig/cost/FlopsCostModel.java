package dev.sprig.cost;

import dev.sprig.models.LayerSpec;
import java.util.List;

/**
 * Counts floating-point operations from layer shapes.
 *
 * <p>Convention (the one the RigL paper's FLOPs figures use for conv and linear layers):
 *
 * <ul>
 *   <li>A multiply-add is 2 FLOPs. A conv layer costs \( 2 \cdot C_{out} H_{out} W_{out} \cdot
 *       (C_{in}/g) k^2 \cdot d \) and a linear layer \( 2 \cdot n_{in} n_{out} \cdot d \), where d
 *       is the layer's density.
 *   <li>Batch norm costs 2 FLOPs per output value (scale and shift); max and average pooling one
 *       FLOP per window element per output value; global pooling one per input value.
 *   <li>Biases, activations, the loss and the optimiser update are not counted: they are linear in
 *       the activations or parameters and negligible next to the products.
 *   <li>Training step = forward + input gradient + weight gradient. For conv and linear layers each
 *       gradient costs as much as the forward product, scaled by the density it really uses: the
 *       input gradient uses the sparse weight (d), the weight gradient uses d, or 1 when the dense
 *       gradient is needed (RigL's update steps). Other layers' backward costs one forward.
 * </ul>
 *
 * <p>So LeNet-300-100 costs 2·(784·300 + 300·100 + 100·10) = 532,400 FLOPs forward and three times
 * that per dense training example.
 */
public final class FlopsCostModel implements CostModel {
    /** Shared instance; the model is stateless. */
    public static final FlopsCostModel INSTANCE = new FlopsCostModel();

    /**
     * Returns the dense forward FLOPs of one layer for one example.
     *
     * @param l the layer
     * @return FLOPs at density 1
     */
    public static long denseLayerFlops(LayerSpec l) {
        long out = l.outputSize();
        return switch (l.kind()) {
            case CONV -> 2L * out * (l.inChannels() / l.groups()) * l.kernel() * l.kernel();
                // Once per output position: 1 for an MLP's layers, every time step of a recurrent
                // one.
            case LINEAR -> 2L * l.inChannels() * l.outChannels() * l.outHeight() * l.outWidth();
            case BATCH_NORM -> 2L * out;
            case MAX_POOL, AVG_POOL -> out * l.kernel() * l.kernel();
            case GLOBAL_AVG_POOL -> (long) l.inChannels() * l.inHeight() * l.inWidth();
            case EMBEDDING -> 0; // a lookup
        };
    }

    @Override
    public long forwardFlops(List<LayerSpec> layers, LayerDensities densities) {
        double total = 0;
        for (LayerSpec l : layers) {
            total += denseLayerFlops(l) * (l.kind().isPrunable() ? densities.of(l.name()) : 1.0);
        }
        return Math.round(total);
    }

    @Override
    public long trainStepFlops(
            List<LayerSpec> layers, LayerDensities densities, boolean denseWeightGradient) {
        double total = 0;
        for (LayerSpec l : layers) {
            double f = denseLayerFlops(l);
            if (l.kind().isPrunable()) {
                double d = densities.of(l.name());
                total += f * d + f * d + f * (denseWeightGradient ? 1.0 : d);
            } else {
                total += 2 * f;
            }
        }
        return Math.round(total);
    }

    @Override
    public long parameters(List<LayerSpec> layers, LayerDensities densities) {
        double total = 0;
        for (LayerSpec l : layers) {
            double weights = l.weightCount();
            total +=
                    weights * (l.kind().isPrunable() ? densities.of(l.name()) : 1.0)
                            + (l.parameterCount() - weights);
        }
        return Math.round(total);
    }
}
