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
 * included), momentum buffers, hook state (masks), the position in the schedule and the data order,
 * the partial sums of the current epoch and the metrics written so far.
 *
 * <p>Random state needs no saving: all draws derive from (seed, purpose, position), see {@link
 * dev.sprig.SeedStream}. Format (version 2): magic, the version, then three blocks, each its
 * length, its bytes and their CRC-32: the loop's {@link State} as JSON (common to every backend),
 * the backend's name, and the backend's {@link Section} (for the engine: the parameter block,
 * momentum buffers and hook sections); a CRC-32 of the whole file ends it. Every load verifies
 * them, so a flipped bit is reported with the section it damaged instead of resuming into other
 * figures. Version 1 (no checksums, engine only) still loads. Unknown versions are rejected.
 */
public final class Checkpoint {
    static final String MAGIC = "SPRIG-CHECKPOINT";
    static final int VERSION = 2;

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

    /** A backend's part of a checkpoint: what it writes after the loop's state, and reads back. */
    public interface Section {
        /**
         * Writes the section.
         *
         * @param out the stream
         * @throws IOException on write failure
         */
        void write(DataOutputStream out) throws IOException;

        /**
         * Reads what {@link #write} wrote.
         *
         * @param in the stream
         * @throws IOException on a malformed section
         */
        void read(DataInputStream in) throws IOException;
    }

    /** The backend name of the engine's masked-dense path (the only one of version-1 files). */
    public static final String ENGINE = "engine";

    /**
     * A checkpoint read whole: the loop's state, the backend that wrote it and its section.
     *
     * @param state the training loop's position and figures
     * @param backend the backend's name ({@link #ENGINE} or an {@code ExecutionBackend}'s)
     * @param section the backend's bytes
     * @param verified whether checksums vouch for the bytes (false for the older formats)
     */
    public record Contents(State state, String backend, byte[] section, boolean verified) {
        /**
         * Opens the backend section for reading.
         *
         * @return a stream over the section
         */
        public DataInputStream sectionStream() {
            return new DataInputStream(new ByteArrayInputStream(section));
        }
    }

    /**
     * Writes a checkpoint atomically: the loop's state, then the session's section.
     *
     * @param file target file
     * @param state the loop's state
     * @param backend the backend's name
     * @param section the backend's state
     */
    public static void save(Path file, State state, String backend, Section section) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(MAGIC);
            out.writeInt(VERSION);
            writeBlock(out, Json.line(state).getBytes(StandardCharsets.UTF_8));
            writeBlock(out, backend.getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream sectionBytes = new ByteArrayOutputStream();
            section.write(new DataOutputStream(sectionBytes));
            writeBlock(out, sectionBytes.toByteArray());
            out.flush();
            out.writeLong(crc(bytes.toByteArray(), 0, bytes.size()));
            out.flush();
            RunFolder.writeAtomic(file, bytes.toByteArray());
        } catch (IOException e) {
            throw new SprigException("cannot write checkpoint " + file + ": " + e.getMessage());
        }
    }

    /**
     * Saves an engine model, its optimiser and hooks (what the engine backend writes); used for
     * hand-offs between the phases of a pipeline.
     *
     * @param file target file
     * @param state the loop's state
     * @param model the model
     * @param optimizer its optimiser
     * @param hooks hooks whose state is saved
     */
    public static void save(
            Path file,
            State state,
            SprigModel model,
            SgdOptimizer optimizer,
            List<TrainingHook> hooks) {
        save(file, state, ENGINE, new EngineState(model, optimizer, hooks));
    }

    /**
     * Reads a checkpoint whole, of either version.
     *
     * @param file the file
     * @return its state, backend and section
     * @throws SprigException when it is missing, truncated or not a checkpoint of a known version
     */
    public static Contents read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SprigException("checkpoint not found: " + file);
        } catch (IOException e) {
            throw new SprigException("cannot read checkpoint " + file + ": " + e.getMessage());
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(all))) {
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
            if (version == 1) {
                // Before checksums: the loop's state, then the engine's section.
                byte[] header = new byte[checkedLength(in.readInt(), in)];
                in.readFully(header);
                return new Contents(
                        Json.JSON.readValue(header, State.class), ENGINE, in.readAllBytes(), false);
            }
            if (version != VERSION) {
                throw new SprigException(
                        "checkpoint "
                                + file
                                + " has version "
                                + version
                                + "; this Sprig reads versions 1 and "
                                + VERSION);
            }
            byte[] header = readBlock(in, file, "loop state");
            byte[] backend = readBlock(in, file, "backend name");
            byte[] section = readBlock(in, file, "model and optimiser state");
            int end = all.length - in.available();
            long expected = in.readLong();
            if (in.available() != 0) {
                throw new SprigException(
                        "checkpoint "
                                + file
                                + " is damaged: "
                                + in.available()
                                + " bytes follow its end");
            }
            if (crc(all, 0, end) != expected) {
                throw new SprigException(
                        "checkpoint " + file + " is damaged: the file fails its checksum");
            }
            State state;
            try {
                state = Json.JSON.readValue(header, State.class);
            } catch (IOException e) {
                throw new SprigException(
                        "checkpoint " + file + " is damaged: its loop state does not parse");
            }
            return new Contents(state, new String(backend, StandardCharsets.UTF_8), section, true);
        } catch (EOFException e) {
            throw new SprigException("truncated checkpoint " + file);
        } catch (IOException e) {
            throw new SprigException("cannot read checkpoint " + file + ": " + e.getMessage());
        }
    }

    /** Writes a block: its length, its bytes and their CRC-32. */
    private static void writeBlock(DataOutputStream out, byte[] data) throws IOException {
        out.writeInt(data.length);
        out.write(data);
        out.writeLong(crc(data, 0, data.length));
    }

    /** Reads a block, naming it when its length or checksum shows damage. */
    private static byte[] readBlock(DataInputStream in, Path file, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() - 8) {
            throw new SprigException(
                    "checkpoint "
                            + file
                            + " is damaged or truncated: its "
                            + what
                            + " claims "
                            + n
                            + " bytes, "
                            + Math.max(0, in.available() - 8)
                            + " remain");
        }
        byte[] data = in.readNBytes(n);
        if (crc(data, 0, n) != in.readLong()) {
            throw new SprigException(
                    "checkpoint " + file + " is damaged: its " + what + " fails its checksum");
        }
        return data;
    }

    private static long crc(byte[] data, int from, int to) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(data, from, to - from);
        return c.getValue();
    }

    /**
     * Restores a session from a checkpoint its backend wrote.
     *
     * @param file the file
     * @param backend the backend that must have written it
     * @param section the backend's state to restore
     * @return the loop's state
     * @throws SprigException when the file is unreadable or does not fit the section
     */
    public static State load(Path file, String backend, Section section) {
        return restore(file, read(file), backend, section);
    }

    /**
     * Restores a section from a checkpoint already read.
     *
     * @param file where it came from, for messages
     * @param c its contents
     * @param backend the backend that must have written it
     * @param section the backend's state to restore
     * @return the loop's state
     * @throws SprigException when the contents do not fit the section
     */
    public static State restore(Path file, Contents c, String backend, Section section) {
        if (!c.backend().equals(backend)) {
            throw new SprigException(
                    "checkpoint "
                            + file
                            + " was written by the "
                            + c.backend()
                            + " backend; this run"
                            + " uses the "
                            + backend
                            + " backend (resume with the run's own --exec)");
        }
        try (DataInputStream in = c.sectionStream()) {
            section.read(in);
        } catch (OutOfMemoryError e) {
            // Only an unchecksummed older file gets here with a damaged size: its declared shape
            // asked for an impossible array, refused before any memory was taken.
            throw new SprigException(
                    "checkpoint "
                            + file
                            + " is damaged: a declared size is impossible"
                            + (c.verified() ? "" : " (an older version without checksums)"));
        } catch (EOFException e) {
            throw new SprigException("truncated checkpoint " + file);
        } catch (IOException e) {
            throw new SprigException(
                    "checkpoint " + file + " does not fit this run: " + e.getMessage());
        }
        return c.state();
    }

    /**
     * Loads an engine checkpoint into a model, its optimiser and hooks.
     *
     * @param file the file
     * @param model the model
     * @param optimizer its optimiser
     * @param hooks hooks whose state is restored
     * @return the loop's state
     */
    public static State load(
            Path file, SprigModel model, SgdOptimizer optimizer, List<TrainingHook> hooks) {
        return load(file, ENGINE, new EngineState(model, optimizer, hooks));
    }

    /**
     * Loads only the network's parameters of an engine checkpoint (momentum and hook state are read
     * and dropped): how a run starts from another's weights.
     *
     * @param file the checkpoint
     * @param model the model of the same architecture
     */
    public static void loadWeights(Path file, SprigModel model) {
        load(file, model, new SgdOptimizer(0, false, 0), List.of());
    }

    /**
     * The checkpoint a run folder stands for: its best-validation checkpoint, else its last; a file
     * stands for itself.
     *
     * @param from a run folder or a checkpoint file
     * @return the checkpoint file
     * @throws SprigException when a folder holds no checkpoint
     */
    public static Path ofRun(Path from) {
        if (!java.nio.file.Files.isDirectory(from)) {
            if (!java.nio.file.Files.isRegularFile(from)) {
                throw new SprigException("no run folder or checkpoint at " + from);
            }
            return from;
        }
        for (String name : List.of("best.ckpt", "last.ckpt")) {
            Path p = from.resolve("checkpoints").resolve(name);
            if (java.nio.file.Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new SprigException(
                from + " holds no checkpoint (checkpoints/best.ckpt or last.ckpt)");
    }

    /**
     * Checks a length read from a file against what is left of it, so a damaged length cannot
     * allocate more than the file holds.
     *
     * @param n the length read
     * @param in the stream it came from
     * @return n
     * @throws IOException when n is negative or longer than the rest of the stream
     */
    static int checkedLength(int n, DataInputStream in) throws IOException {
        if (n < 0 || n > in.available()) {
            throw new IOException("a length of " + n + " bytes does not fit the file");
        }
        return n;
    }

    /** The engine backend's section: parameters, momentum, then one section per stateful hook. */
    static final class EngineState implements Section {
        private final SprigModel model;
        private final SgdOptimizer optimizer;
        private final List<TrainingHook> hooks;

        EngineState(SprigModel model, SgdOptimizer optimizer, List<TrainingHook> hooks) {
            this.model = model;
            this.optimizer = optimizer;
            this.hooks = hooks;
        }

        @Override
        public void read(DataInputStream in) throws IOException {
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
                byte[] data = new byte[checkedLength(in.readInt(), in)];
                in.readFully(data);
                byKey.put(key, data);
            }
            for (TrainingHook h : hooks) {
                if (h.stateKey() != null) {
                    byte[] data = byKey.get(h.stateKey());
                    if (data == null) {
                        throw new IOException("it has no state for " + h.stateKey());
                    }
                    h.loadState(new DataInputStream(new ByteArrayInputStream(data)));
                }
            }
        }

        @Override
        public void write(DataOutputStream out) throws IOException {
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
        if (n < 0 || n > in.available() / 4) {
            throw new IOException(
                    "an array of "
                            + n
                            + " floats does not fit the "
                            + in.available()
                            + " bytes left");
        }
        byte[] raw = new byte[4 * n];
        in.readFully(raw);
        float[] v = new float[n];
        java.nio.ByteBuffer.wrap(raw).asFloatBuffer().get(v);
        return v;
    }
}
