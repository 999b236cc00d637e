package dev.sprig.sparse.exec;

import dev.sprig.data.BatchSource;
import dev.sprig.train.Evaluation;
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
     * One training batch: forward and backward in training mode, every gradient left in place. A
     * recurrent network reads the batch as windows and carries its state to the next batch.
     *
     * @param batch the batch
     * @param smoothing label smoothing ε
     * @return loss and correct count (examples, as the trainer counts them)
     */
    default SparseMlp.BatchResult train(BatchSource.Batch batch, double smoothing) {
        return forwardBackward(batch.images(), batch.labels(), smoothing);
    }

    /** Forgets any state carried between batches: an epoch's first batch starts from here. */
    default void resetState() {}

    /**
     * Loss and accuracy over a set, in evaluation mode.
     *
     * @param source the set's batches
     * @return the figures
     */
    default Evaluation evaluate(BatchSource source) {
        double lossSum = 0;
        long seen = 0;
        int classes = source.set().classes();
        Evaluation.ClassTally tally = new Evaluation.ClassTally(classes);
        for (int b = 0; b < source.batchesPerEpoch(); b++) {
            BatchSource.Batch batch = source.batch(0, b);
            float[] logits = forward(batch.images(), batch.size());
            SparseMlp.BatchResult r =
                    SparseMlp.softmaxCrossEntropy(logits, batch.labels(), 0, null);
            lossSum += r.loss() * batch.size();
            tally.add(batch.labels(), argMax(logits, batch.size(), classes));
            seen += batch.size();
        }
        return tally.evaluation(lossSum / seen, seen);
    }

    /**
     * The predicted class of each example (first of equal maxima, as the engine's argMax); the
     * sparse network's logits are class-major, {@code logits[c * rows + i]}.
     *
     * @param logits class-major logits
     * @param rows examples
     * @param classes classes
     * @return the class of each example
     */
    static long[] argMax(float[] logits, int rows, int classes) {
        long[] out = new long[rows];
        for (int i = 0; i < rows; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[c * rows + i] > logits[best * rows + i]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /**
     * The sum of squares of the gradients of the parameters that are not in {@link #layers()}, for
     * clipping by global norm. Only networks the sparse path clips (MLPs have none; the GRU's
     * embedding) need it: {@code ExecutionPath} keeps clipped CNNs on the engine.
     *
     * @return Σ g²
     */
    default double otherGradientSquares() {
        return 0;
    }

    /**
     * Multiplies the gradients of the parameters that are not in {@link #layers()} by a factor.
     *
     * @param scale the factor
     */
    default void scaleOtherGradients(float scale) {}

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
