package dev.sprig.models;

import java.util.List;

/**
 * One step of a network's forward computation, as {@link NetBuilder} recorded it (or as {@link
 * SprigModel#wrap} read it from a network defined in Java).
 *
 * <p>The engine's blocks hide their hyper-parameters behind lambdas (a ReLU, a pooling window and a
 * flatten are all {@code LambdaBlock}s), so a network could not be rewritten for another runtime by
 * walking them. Recording each call next to the block it adds keeps a second, readable copy of the
 * computation that cannot drift from the first: exporters translate it, layer by layer.
 */
public sealed interface NetOp {
    /**
     * A square convolution (dilation 1).
     *
     * @param spec the layer's spec (its name keys the parameters; kernel, stride and groups)
     * @param pad zero padding on each side
     */
    record Conv(LayerSpec spec, int pad) implements NetOp {}

    /**
     * Batch normalisation over channels (ε 1e-5; running statistics move by 0.1 of the batch's).
     *
     * @param spec the layer's spec (its name keys the parameters)
     */
    record BatchNorm(LayerSpec spec) implements NetOp {}

    /**
     * A fully connected layer with bias.
     *
     * @param spec the layer's spec (its name keys the parameters)
     */
    record Linear(LayerSpec spec) implements NetOp {}

    /** A ReLU. */
    record Relu() implements NetOp {}

    /**
     * A parameter-free block of a network defined in Java, which Sprig cannot read (a DJL lambda:
     * an activation, a pooling, a flatten). Channel coupling treats it as acting on each channel
     * alone, which is what {@link SprigModel#wrap} accepts; exporters refuse it.
     *
     * @param block the block's class name, for messages
     */
    record Opaque(String block) implements NetOp {}

    /**
     * Max pooling with square windows, floor rounding.
     *
     * @param kernel window side
     * @param stride stride
     * @param pad zero padding on each side
     */
    record MaxPool(int kernel, int stride, int pad) implements NetOp {}

    /** Mean over the spatial dimensions, giving (N, C). */
    record GlobalAvgPool() implements NetOp {}

    /** (N, C, H, W) to (N, C·H·W). */
    record Flatten() implements NetOp {}

    /**
     * {@code main(x) + shortcut(x)}, optionally followed by a ReLU.
     *
     * @param main the main branch
     * @param shortcut the shortcut branch; empty for identity
     * @param reluAfter whether a ReLU follows the sum
     */
    record Residual(List<NetOp> main, List<NetOp> shortcut, boolean reluAfter) implements NetOp {
        /** Freezes the branches. */
        public Residual {
            main = List.copyOf(main);
            shortcut = List.copyOf(shortcut);
        }
    }
}
