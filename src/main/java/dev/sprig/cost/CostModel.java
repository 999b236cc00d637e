package dev.sprig.cost;

import dev.sprig.models.LayerSpec;
import java.util.List;

/**
 * What a network costs to run and to train, per example, given the density of each layer.
 *
 * <p>Implementations may count arithmetic ({@link FlopsCostModel}) or measure time; the methods
 * read only layer shapes and densities, so one model's cost can be asked without running it.
 */
public interface CostModel {
    /**
     * Returns the forward cost of one example.
     *
     * @param layers the network's layers
     * @param densities non-zero fraction per prunable layer
     * @return cost of one forward pass
     */
    long forwardFlops(List<LayerSpec> layers, LayerDensities densities);

    /**
     * Returns the cost of one training step for one example: forward, input gradient and weight
     * gradient.
     *
     * @param layers the network's layers
     * @param densities non-zero fraction per prunable layer
     * @param denseWeightGradient whether the weight gradient is computed densely (RigL's update
     *     steps) instead of only at active weights
     * @return cost of one training step per example
     */
    long trainStepFlops(
            List<LayerSpec> layers, LayerDensities densities, boolean denseWeightGradient);

    /**
     * Returns the number of parameters actually stored (non-zero weights plus biases and BN).
     *
     * @param layers the network's layers
     * @param densities non-zero fraction per prunable layer
     * @return parameter count
     */
    long parameters(List<LayerSpec> layers, LayerDensities densities);
}
