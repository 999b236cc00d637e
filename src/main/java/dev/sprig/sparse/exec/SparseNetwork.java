package dev.sprig.sparse.exec;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * A network on the sparse backend: its prunable layers as {@link CsrLayer}s (what the methods
 * rewire and the optimiser steps), a training pass that leaves every gradient in place, and the
 * parameters that are not prunable weights (batch norm), which the backend steps and checkpoints
 * through here. {@link SparseMlp} and {@link SparseCnn} are the two.
 */
public interface SparseNetwork {
    /**
     * Returns the prunable layers, in model order (the order the engine's masks have).
     *
     * @return the layers
     */
    List<CsrLayer> layers();

    /**
     * Runs the network on a batch in evaluation mode.
     *
     * @param x batch-major inputs
     * @param b batch size
     * @return the logits, feature-major {@code classes × b} (a live buffer)
     */
    float[] forward(float[] x, int b);

    /**
     * Forward and backward pass in training mode: leaves every gradient in place.
     *
     * @param x batch-major inputs
     * @param labels class per example
     * @param smoothing label smoothing ε
     * @return loss and correct count
     */
    SparseMlp.BatchResult forwardBackward(float[] x, int[] labels, double smoothing);

    /**
     * Returns the batch size of the last pass.
     *
     * @return the batch size
     */
    int lastBatch();

    /**
     * The dense weight gradient of layer {@code i} from the last backward pass.
     *
     * @param i layer index in {@link #layers()}
     * @param device the engine's device (the MLP forms it with one engine product)
     * @return the gradient, to close after use
     */
    WeightGradient denseGradient(int i, ai.djl.Device device);

    /**
     * One SGD step on the parameters that are not in {@link #layers()} (same rule as {@link
     * CsrLayer#sgdStep}).
     *
     * @param lr η
     * @param momentum μ
     * @param nesterov Nesterov momentum
     * @param weightDecay λ
     * @param first whether this is the optimiser's first step
     */
    default void sgdStepOthers(
            double lr, double momentum, boolean nesterov, double weightDecay, boolean first) {}

    /**
     * Writes the parameters and statistics that are not in {@link #layers()}.
     *
     * @param out the checkpoint section
     * @throws IOException on write failure
     */
    default void writeOthers(DataOutputStream out) throws IOException {}

    /**
     * Reads what {@link #writeOthers} wrote.
     *
     * @param in the checkpoint section
     * @throws IOException on read failure or a mismatch with this network
     */
    default void readOthers(DataInputStream in) throws IOException {}
}
