package dev.sprig.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.function.UnaryOperator;

/**
 * Activation quantiser of Early-Bird's low-precision search: 8-bit block floating point with one
 * exponent per example (qtorch {@code BlockFloatingPoint(wl=8, dim=0)}) and stochastic rounding,
 * applied after every ReLU with a straight-through gradient ({@code x + stopGradient(q(x) − x)}),
 * so the forward pass sees quantised activations and the backward pass the identity. The rounding
 * noise comes from the engine's generator. The same number format as {@code
 * dev.sprig.earlybird.BlockFloatingPoint}, written in engine operations because it runs inside the
 * forward pass.
 */
public final class BlockFloatActivations implements UnaryOperator<NDArray> {
    private final int wordLength;

    /**
     * Creates the quantiser.
     *
     * @param wordLength mantissa bits (8)
     */
    public BlockFloatActivations(int wordLength) {
        this.wordLength = wordLength;
    }

    @Override
    public NDArray apply(NDArray x) {
        ai.djl.ndarray.types.Shape shape = x.getShape();
        NDArray flat = x.stopGradient().reshape(shape.get(0), -1);
        NDArray max = flat.abs().max(new int[] {1}, true).maximum(1e-30f);
        NDArray step = max.log2().floor().sub(wordLength - 2).toType(DataType.FLOAT32, false);
        step = x.getManager().create(2f).pow(step);
        NDArray noise = x.getManager().randomUniform(0f, 1f, flat.getShape());
        float top = (1 << (wordLength - 1)) - 1;
        float bottom = -(1 << (wordLength - 1));
        NDArray q = flat.div(step).add(noise).floor().clip(bottom, top).mul(step).reshape(shape);
        return x.add(q.sub(x.stopGradient()).stopGradient());
    }
}
