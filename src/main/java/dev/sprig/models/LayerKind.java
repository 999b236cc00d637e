package dev.sprig.models;

/** The kinds of layer a {@link LayerSpec} describes. */
public enum LayerKind {
    /** 2-D convolution, possibly grouped (depthwise when groups = channels). */
    CONV,
    /** Fully connected layer. */
    LINEAR,
    /** Batch normalisation over channels. */
    BATCH_NORM,
    /** Max pooling. */
    MAX_POOL,
    /** Average pooling with a fixed window. */
    AVG_POOL,
    /** Average over the whole spatial extent. */
    GLOBAL_AVG_POOL,
    /**
     * A table of token vectors (vocabulary × width), read by index: no arithmetic to count, and
     * dense by default (the RigL paper keeps its language models' embeddings dense).
     */
    EMBEDDING;

    /**
     * Whether layers of this kind carry a weight that sparse training can prune.
     *
     * @return true for convolutions and linear layers
     */
    public boolean isPrunable() {
        return this == CONV || this == LINEAR;
    }
}
