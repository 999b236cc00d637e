package dev.sprig.models;

/**
 * The static description of one layer: what it is, its stable name and the shapes it sees.
 *
 * <p>Specs are recorded by {@link NetBuilder} while it builds the DJL block, in the same order as
 * the block's parameters, so FLOPs, masks and channel surgery can be computed from shapes without
 * running the network. Spatial sizes are per example; linear layers use 1×1, except the matrices of
 * a recurrent language model, which apply once per time step: their output width is the sequence
 * length, so one "example" costs a whole sequence. An embedding's input channels are the vocabulary
 * and its output channels the vector width.
 *
 * @param name stable dotted name, e.g. {@code layer1.0.conv1}
 * @param kind layer kind
 * @param inChannels input channels (input features for linear layers)
 * @param outChannels output channels (output features)
 * @param kernel square kernel side (1 for linear and batch norm)
 * @param stride stride
 * @param groups convolution groups (1 unless grouped)
 * @param inHeight input height
 * @param inWidth input width
 * @param outHeight output height
 * @param outWidth output width
 * @param bias whether the layer has a bias
 */
public record LayerSpec(
        String name,
        LayerKind kind,
        int inChannels,
        int outChannels,
        int kernel,
        int stride,
        int groups,
        int inHeight,
        int inWidth,
        int outHeight,
        int outWidth,
        boolean bias) {

    /**
     * Returns the weight tensor shape as the engine stores it.
     *
     * @return (out, in/groups, k, k) for convolutions, (out, in) for linear layers, (vocabulary,
     *     width) for embeddings
     * @throws IllegalStateException for layers without a prunable weight
     */
    public long[] weightShape() {
        return switch (kind) {
            case CONV -> new long[] {outChannels, inChannels / groups, kernel, kernel};
            case LINEAR -> new long[] {outChannels, inChannels};
            case EMBEDDING -> new long[] {inChannels, outChannels};
            default -> throw new IllegalStateException(name + " has no weight");
        };
    }

    /**
     * Returns the number of weights (without bias).
     *
     * @return product of {@link #weightShape()}, 0 for layers without a prunable weight
     */
    public long weightCount() {
        if (!kind.isPrunable() && kind != LayerKind.EMBEDDING) {
            return 0;
        }
        long n = 1;
        for (long d : weightShape()) {
            n *= d;
        }
        return n;
    }

    /**
     * Returns the number of trainable parameters, bias and BN scale/shift included.
     *
     * @return parameter count
     */
    public long parameterCount() {
        return switch (kind) {
            case CONV, LINEAR -> weightCount() + (bias ? outChannels : 0);
            case BATCH_NORM -> 2L * outChannels;
            case EMBEDDING -> weightCount();
            default -> 0;
        };
    }

    /**
     * Returns the number of output values per example.
     *
     * @return C·H·W of the output
     */
    public long outputSize() {
        return (long) outChannels * outHeight * outWidth;
    }
}
