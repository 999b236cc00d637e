package dev.sprig.train;

import dev.sprig.SprigException;
import dev.sprig.models.SprigModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a killed run needs to continue exactly: model parameters (batch-norm statistics
 * included), momentum buffers, hook state (masks), the position in the schedule and the data
 * order, the partial sums of the current epoch and the metrics written so far.
 *
 * <p>Random state needs no saving: all draws derive from (seed, purpose, position), see {@link
 * dev.sprig.SeedStream}. Format: magic, a version number, a JSON header, the engine's parameter
 * block, momentum buffers, hook sections. Unknown versions are rejected.
 */
public final class Checkpoint {
    static final String MAGIC = "SPRIG-CHECKPOINT";
    static final int VERSION = 1;

    private Checkpoint() {}

    /**
     * The position and running figures of a run.
     *
     * @param epoch epoch in progress (0-based)
     * @param batch next batch index within that epoch
     * @param step global optimiser steps done
     * @param trainFlops cumulative training FLOPs
     * @param denseTrainFlops cumulative dense-equivalent FLOPs
     * @param epochLossSum sum of per-example training loss so far in the epoch
     * @param epochCorrect correct training predictions so far in the epoch
     * @param epochSeen training examples so far in the epoch
     * @param epochSeconds training seconds so far in the epoch
     * @param wallSeconds wall seconds of the whole run so far
     * @param bestValAccuracy best validation accuracy (or -1)
     * @param bestEpoch epoch (1-based) of the best validation accuracy (or 0)
     * @param metricsLines metrics lines written so far
     */
    public record State(
            int epoch,
            int batch,
            long step,
            double trainFlops,
            double denseTrainFlops,
            double epochLossSum,
            long epochCorrect,
            long epochSeen,
            double epochSeconds,
            double wallSeconds,
            double bestValAccuracy,
            int bestEpoch,
            List<String> metricsLines) {}

    /**
     * Writes a checkpoint atomically.
     *
     * @param file destination
     * @param state run position
     * @param model the model
     * @param optimizer the optimiser
     * @param hooks the run's hooks
     */
    public static void save(Path file, State state, SprigModel model, SgdOptimizer optimizer, List<TrainingHook> hooks) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(MAGIC);
            out.writeInt(VERSION);
            byte[] header = Json.line(state).getBytes(StandardCharsets.UTF_8);
            out.writeInt(header.length);
            out.write(header);
            model.saveParameters(out);
            Map<String, float[]> momentum = optimizer.snapshot();
            out.writeInt(momentum.size());
            for (Map.Entry<String, float[]> e : momentum.entrySet()) {
                out.writeUTF(e.getKey());
                writeFloats(out, e.getValue());
            }
            int stateful = (int) hooks.stream().filter(h -> h.stateKey() != null).count();
            out.writeInt(stateful);
            for (TrainingHook h : hooks) {
                if (h.stateKey() != null) {
                    ByteArrayOutputStream section = new ByteArrayOutputStream();
                    h.saveState(new DataOutputStream(section));
                    out.writeUTF(h.stateKey());
                    out.writeInt(section.size());
                    section.writeTo(out);
                }
            }
            out.flush();
            RunFolder.writeAtomic(file, bytes.toByteArray());
        } catch (IOException e) {
            throw new SprigException("cannot write checkpoint " + file + ": " + e.getMessage());
        }
    }

    /**
     * Reads a checkpoint into a freshly built model, optimiser and hooks.
     *
     * @param file the checkpoint
     * @param model a model of the same architecture
     * @param optimizer the optimiser to restore
     * @param hooks the run's hooks, restored by key
     * @return the run position
     * @throws SprigException when the file is missing, corrupt, of another version, or does not fit
     */
    public static State load(Path file, SprigModel model, SgdOptimizer optimizer, List<TrainingHook> hooks) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                throw new SprigException("not a Sprig checkpoint: " + file);
            }
            if (!MAGIC.equals(magic)) {
                throw new SprigException("not a Sprig checkpoint: " + file);
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new SprigException("checkpoint " + file + " has version " + version + "; this Sprig reads version " + VERSION);
            }
            byte[] header = new byte[in.readInt()];
            in.readFully(header);
            State state = Json.JSON.readValue(header, State.class);
            model.loadParameters(in);
            int n = in.readInt();
            Map<String, float[]> momentum = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                momentum.put(in.readUTF(), readFloats(in));
            }
            optimizer.restore(momentum, model.parameters());
            int sections = in.readInt();
            Map<String, byte[]> byKey = new LinkedHashMap<>();
            for (int i = 0; i < sections; i++) {
                String key = in.readUTF();
                byte[] data = new byte[in.readInt()];
                in.readFully(data);
                byKey.put(key, data);
            }
            for (TrainingHook h : hooks) {
                if (h.stateKey() != null) {
                    byte[] data = byKey.get(h.stateKey());
                    if (data == null) {
                        throw new SprigException("checkpoint " + file + " has no state for " + h.stateKey());
                    }
                    h.loadState(new DataInputStream(new ByteArrayInputStream(data)));
                }
            }
            return state;
        } catch (NoSuchFileException e) {
            throw new SprigException("checkpoint not found: " + file);
        } catch (EOFException e) {
            throw new SprigException("truncated checkpoint " + file);
        } catch (IOException e) {
            throw new SprigException("cannot read checkpoint " + file + ": " + e.getMessage());
        }
    }

    /**
     * Writes a float array as its length and big-endian values; the one format for float state in
     * checkpoints (momentum, hook state).
     *
     * @param out the stream
     * @param v the values
     * @throws IOException on write failure
     */
    public static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length);
        b.asFloatBuffer().put(v);
        out.write(b.array());
    }

    /**
     * Reads what {@link #writeFloats} wrote.
     *
     * @param in the stream
     * @return the values
     * @throws IOException on read failure
     */
    public static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        byte[] raw = new byte[4 * n];
        in.readFully(raw);
        float[] v = new float[n];
        java.nio.ByteBuffer.wrap(raw).asFloatBuffer().get(v);
        return v;
    }
}
