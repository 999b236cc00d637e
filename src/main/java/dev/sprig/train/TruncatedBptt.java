package dev.sprig.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.sprig.data.BatchSource;
import dev.sprig.models.HostValues;
import dev.sprig.models.RecurrentLm;
import dev.sprig.models.SprigModel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Truncated backpropagation through time for a recurrent language model on the engine path. A batch
 * holds one window of {@code steps + 1} tokens per stream (see {@link dev.sprig.data.TextLayout}):
 * the model reads the first {@code steps}, predicts each next token, and hands its final state to
 * the next batch of the same streams, detached, so gradients flow through one window only. The
 * state starts from zeros at every epoch's first batch; evaluation keeps a state of its own, so it
 * never disturbs training.
 *
 * <p>The carried state is part of the checkpoint, so a run killed between two batches resumes with
 * the state it had.
 */
final class TruncatedBptt {
    private final SprigModel model;
    private final RecurrentLm lm;
    private final NDManager stateOwner;
    private NDList state;

    /** What one window's forward pass produced. */
    record Forward(NDArray loss, long correctTokens, long tokens) {}

    TruncatedBptt(SprigModel model) {
        this.model = model;
        this.lm = (RecurrentLm) model.block();
        this.stateOwner = model.manager().newSubManager();
    }

    /**
     * Whether a model is trained this way.
     *
     * @param model the model
     * @return true for recurrent language models
     */
    static boolean applies(SprigModel model) {
        return model.block() instanceof RecurrentLm;
    }

    /**
     * The forward pass of one training batch, with the state carried from the batch before (zeros
     * at the epoch's first batch). The loss is the mean cross-entropy over every predicted token.
     *
     * @param sub the step's manager
     * @param batch windows
     * @param index batch index within the epoch
     * @param smoothing label smoothing
     * @return loss and counts
     */
    Forward train(NDManager sub, BatchSource.Batch batch, int index, double smoothing) {
        int rows = batch.size();
        if (index == 0 || state == null || state.head().getShape().get(1) != rows) {
            replaceState(lm.zeroState(stateOwner, rows));
        }
        Pass p = pass(sub, batch, state, true, smoothing);
        NDList next = new NDList();
        for (NDArray a : p.states()) {
            NDArray detached = a.stopGradient();
            detached.attach(stateOwner);
            next.add(detached);
        }
        replaceState(next);
        return p.forward();
    }

    /**
     * Mean cross-entropy per token and next-token accuracy over a set, read in stream order with a
     * state of its own.
     *
     * @param source the set's windows
     * @return the figures; examples are tokens
     */
    Evaluation evaluate(BatchSource source) {
        double lossSum = 0;
        long correct = 0;
        long tokens = 0;
        try (NDManager evalState = model.manager().newSubManager()) {
            NDList s = null;
            for (int b = 0; b < source.batchesPerEpoch(); b++) {
                BatchSource.Batch batch = source.batch(0, b);
                try (NDManager sub = model.manager().newSubManager()) {
                    if (s == null || s.head().getShape().get(1) != batch.size()) {
                        s = lm.zeroState(evalState, batch.size());
                    }
                    Pass p = pass(sub, batch, s, false, 0);
                    Forward f = p.forward();
                    lossSum += f.loss().getFloat() * f.tokens();
                    correct += f.correctTokens();
                    tokens += f.tokens();
                    p.states().attach(evalState);
                    s = p.states();
                }
            }
        }
        return new Evaluation(lossSum / tokens, (double) correct / tokens, tokens);
    }

    /** One window's forward pass: its loss and counts, and each layer's state after it. */
    private record Pass(Forward forward, NDList states) {}

    private Pass pass(
            NDManager sub,
            BatchSource.Batch batch,
            NDList from,
            boolean training,
            double smoothing) {
        int rows = batch.size();
        int width = batch.images().length / rows;
        NDArray windows = sub.create(batch.images(), new Shape(rows, width));
        NDList in = new NDList(windows.get(new NDIndex(":, 0:" + (width - 1))));
        in.addAll(from);
        NDList out = model.forwardAll(in, training);
        NDArray targets =
                windows.get(new NDIndex(":, 1:")).toType(DataType.INT64, false).reshape(-1);
        NDArray logits = out.head();
        logits = logits.reshape(-1, logits.getShape().get(2));
        NDArray loss = Losses.crossEntropy(logits, targets, smoothing);
        Forward f = new Forward(loss, Losses.correct(logits, targets), targets.size());
        return new Pass(f, new NDList(out.subList(1, out.size())));
    }

    private void replaceState(NDList next) {
        if (state != null && state != next) {
            state.close();
        }
        state = next;
    }

    /** Writes the carried state: arrays, each with its shape and values. */
    void write(DataOutputStream out) throws IOException {
        if (state == null) {
            out.writeInt(0);
            return;
        }
        out.writeInt(state.size());
        for (NDArray a : state) {
            long[] shape = a.getShape().getShape();
            out.writeInt(shape.length);
            for (long d : shape) {
                out.writeLong(d);
            }
            Checkpoint.writeFloats(out, a.toFloatArray());
        }
    }

    /** Reads what {@link #write} wrote; nothing to read leaves the state to start from zeros. */
    void read(DataInputStream in) throws IOException {
        if (in.available() == 0) {
            return;
        }
        int n = in.readInt();
        if (n < 0 || n > 2 * lm.layers()) {
            throw new IOException("recurrent state of " + n + " arrays");
        }
        if (n == 0) {
            return;
        }
        NDList s = new NDList();
        for (int k = 0; k < n; k++) {
            int dims = in.readInt();
            if (dims != 3) {
                throw new IOException("recurrent state array of " + dims + " dimensions");
            }
            long[] shape = {in.readLong(), in.readLong(), in.readLong()};
            float[] v = Checkpoint.readFloats(in);
            if (shape[0] != 1 || shape[2] != lm.width() || v.length != shape[1] * shape[2]) {
                throw new IOException("recurrent state does not fit this model");
            }
            NDArray a = stateOwner.zeros(new Shape(shape));
            HostValues.write(a, v);
            s.add(a);
        }
        replaceState(s);
    }
}
