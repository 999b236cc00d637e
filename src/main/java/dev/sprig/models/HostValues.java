package dev.sprig.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * Writes values computed on the host (initialisation, masks, regrown weights, loaded state) into an
 * engine array in place.
 *
 * <p>{@code NDArray.set(float[])} on the PyTorch engine points the tensor at the Java direct buffer
 * holding the values ({@code from_blob} + {@code Tensor.set_}): the tensor's memory then lives only
 * as long as the Java side keeps that buffer, the aliasing behind an earlier JVM crash (a gradient
 * left pointing at a freed buffer). Copying through an indexed assignment instead leaves the tensor
 * owning its memory, with its identity, views and device unchanged.
 */
public final class HostValues {
    private HostValues() {}

    /**
     * Overwrites every element of an array.
     *
     * @param target the engine array (any device)
     * @param values row-major values, one per element
     * @throws IllegalArgumentException when the counts differ
     */
    public static void write(NDArray target, float[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException(
                    values.length + " values for an array of " + target.size());
        }
        // A parameter that records gradients is a leaf the engine refuses to write in place where
        // gradient recording is on (PyTorch's default on every thread but the one DJL set up):
        // stop recording for the write, whichever thread makes it.
        boolean records = target.hasGradient();
        if (records) {
            target.setRequiresGradient(false);
        }
        try (NDManager scope = target.getManager().newSubManager()) {
            // ":" selects everything (an empty index is refused by index_put_); parameters are
            // never 0-d.
            target.set(new NDIndex(":"), scope.create(values, target.getShape()));
        } finally {
            if (records) {
                target.setRequiresGradient(true);
            }
        }
    }
}
