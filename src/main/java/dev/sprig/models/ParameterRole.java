package dev.sprig.models;

/** What a named parameter of a {@link SprigModel} is. */
public enum ParameterRole {
    /** Conv or linear weight: what unstructured sparsity prunes. */
    WEIGHT,
    /** Conv or linear bias. */
    BIAS,
    /** Batch-norm scale γ: what network slimming and Early-Bird penalise. */
    GAMMA,
    /** Batch-norm shift β. */
    BETA,
    /** Batch-norm running mean (not trained). */
    RUNNING_MEAN,
    /** Batch-norm running variance (not trained). */
    RUNNING_VAR,
    /** The token table of an embedding: trained, never pruned. */
    EMBEDDING;

    /**
     * Whether the optimiser updates parameters of this role.
     *
     * @return false for running statistics
     */
    public boolean trainable() {
        return this != RUNNING_MEAN && this != RUNNING_VAR;
    }
}
