package dev.sprig.structured;

/**
 * Decides, one epoch at a time, when the architecture a pruning method would pick has stopped
 * changing: Early-Bird's mask-distance queue and EPI's architecture-similarity indicator are both
 * this, with different notions of "the same".
 *
 * @param <A> what is observed each epoch (a channel mask, per-layer channel counts)
 */
public interface StabilityTrigger<A> {
    /**
     * Records the architecture of the current epoch.
     *
     * @param architecture this epoch's choice
     * @return true when the trigger fires on this observation (the first time only)
     */
    boolean observe(A architecture);

    /**
     * Returns the observation (0-based) at which the trigger fired.
     *
     * @return the index, or −1 while it has not fired
     */
    int firedAt();
}
