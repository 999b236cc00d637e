package dev.sprig.sparse.exec;

import dev.sprig.SprigException;
import dev.sprig.models.LayerSpec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Epoch-end checkpoint of a sparse-path run: the stored positions, weights and momentum of each
 * layer, biases, and the run's counters. Streamed to a temporary file and renamed, because a
 * layer of tens of millions of stored weights should not be copied into one byte array first.
 */
public final class SparseCheckpoint {
    private static final String MAGIC = "SPRIG-SPARSE-CHECKPOINT";
    private static final int VERSION = 1;
    private static final int CHUNK = 1 << 20;

    /**
     * The counters of a run at an epoch boundary.
     *
     * @param epoch epochs completed
     * @param step optimiser steps taken
     * @param trainFlops FLOPs so far
     * @param denseTrainFlops dense-equivalent FLOPs so far
     * @param wallSeconds wall time so far
     * @param bestValAccuracy best validation accuracy (−1 when none)
     * @param bestEpoch its epoch (0 when none)
     * @param updates mask updates so far
     * @param optimizerStarted whether momentum buffers hold a first gradient
     * @param metricsLines metrics.jsonl lines so far
     * @param gradientAverage SNFS dense gradient averages by layer (empty otherwise)
     */
    record State(int epoch, long step, double trainFlops, double denseTrainFlops, double wallSeconds,
            double bestValAccuracy, int bestEpoch, long updates, boolean optimizerStarted, List<String> metricsLines,
            Map<String, float[]> gradientAverage) {}

    /** A network and its counters, read back. */
    record Loaded(SparseMlp network, State state) {}

    private SparseCheckpoint() {}

    static void save(Path target, SparseMlp net, State s) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.writeUTF(MAGIC);
                out.writeInt(VERSION);
                out.writeInt(s.epoch());
                out.writeLong(s.step());
                out.writeDouble(s.trainFlops());
                out.writeDouble(s.denseTrainFlops());
                out.writeDouble(s.wallSeconds());
                out.writeDouble(s.bestValAccuracy());
                out.writeInt(s.bestEpoch());
                out.writeLong(s.updates());
                out.writeBoolean(s.optimizerStarted());
                out.writeInt(s.metricsLines().size());
                for (String line : s.metricsLines()) {
                    byte[] b = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    out.writeInt(b.length);
                    out.write(b);
                }
                out.writeInt(net.layers().size());
                for (CsrLayer l : net.layers()) {
                    out.writeUTF(l.name());
                    out.writeInt(l.rows());
                    out.writeInt(l.cols());
                    writeLongs(out, l.positions());
                    writeFloats(out, l.values());
                    writeFloats(out, l.velocity());
                    writeFloats(out, l.bias());
                    writeFloats(out, l.biasVelocity());
                }
                out.writeInt(s.gradientAverage().size());
                for (Map.Entry<String, float[]> e : s.gradientAverage().entrySet()) {
                    out.writeUTF(e.getKey());
                    writeFloats(out, e.getValue());
                }
            }
            dev.sprig.train.RunFolder.moveOver(tmp, target);
        } catch (IOException e) {
            throw new SprigException("cannot write " + target + ": " + e.getMessage());
        }
    }

    /**
     * Whether a file is a sparse-path checkpoint (rather than an engine one).
     *
     * @param file a checkpoint
     * @return true when it starts with this format's magic string
     */
    public static boolean isSparse(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 256))) {
            return MAGIC.equals(in.readUTF());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads the trained network of a sparse-path checkpoint, for inference.
     *
     * @param file the checkpoint
     * @param specs the model's linear layers
     * @param pool workers the network computes with
     * @return the network
     * @throws SprigException when the file is not a matching sparse checkpoint
     */
    public static SparseMlp network(Path file, List<LayerSpec> specs, WorkerPool pool) {
        return load(file, specs, pool).network();
    }

    static Loaded load(Path file, List<LayerSpec> specs, WorkerPool pool) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (!MAGIC.equals(in.readUTF()) || in.readInt() != VERSION) {
                throw new IOException("not a sparse-path checkpoint of this Sprig version");
            }
            int epoch = in.readInt();
            long step = in.readLong();
            double flops = in.readDouble();
            double dense = in.readDouble();
            double wall = in.readDouble();
            double best = in.readDouble();
            int bestEpoch = in.readInt();
            long updates = in.readLong();
            boolean started = in.readBoolean();
            int nLines = in.readInt();
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < nLines; i++) {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                lines.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
            }
            int nLayers = in.readInt();
            if (nLayers != specs.size()) {
                throw new IOException("it has " + nLayers + " layers, the model has " + specs.size());
            }
            List<CsrLayer> layers = new ArrayList<>();
            for (LayerSpec spec : specs) {
                String name = in.readUTF();
                int rows = in.readInt();
                int cols = in.readInt();
                if (!name.equals(spec.name()) || rows != spec.outChannels() || cols != spec.inChannels()) {
                    throw new IOException("layer " + name + " " + rows + "x" + cols + " does not match " + spec.name());
                }
                long[] pos = readLongs(in);
                float[] values = readFloats(in);
                float[] velocity = readFloats(in);
                float[] bias = readFloats(in);
                float[] biasVelocity = readFloats(in);
                if (bias.length != rows || biasVelocity.length != rows) {
                    throw new IOException("bias of " + name + " has the wrong size");
                }
                CsrLayer l = CsrLayer.of(name, rows, cols, pos, values, bias);
                l.setStructure(pos, values, velocity);
                System.arraycopy(biasVelocity, 0, l.biasVelocity(), 0, rows);
                layers.add(l);
            }
            Map<String, float[]> avg = new LinkedHashMap<>();
            int nAvg = in.readInt();
            for (int i = 0; i < nAvg; i++) {
                avg.put(in.readUTF(), readFloats(in));
            }
            return new Loaded(new SparseMlp(layers, pool),
                    new State(epoch, step, flops, dense, wall, best, bestEpoch, updates, started, lines, avg));
        } catch (EOFException e) {
            throw new SprigException("checkpoint " + file + " is truncated");
        } catch (IOException | IllegalArgumentException e) {
            throw new SprigException("checkpoint " + file + " does not fit this run: " + e.getMessage());
        }
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        ByteBuffer b = ByteBuffer.allocate(4 * Math.min(v.length, CHUNK));
        for (int from = 0; from < v.length; from += CHUNK) {
            int n = Math.min(CHUNK, v.length - from);
            b.clear();
            b.asFloatBuffer().put(v, from, n);
            out.write(b.array(), 0, 4 * n);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0) {
            throw new IOException("negative array length");
        }
        float[] v = new float[len];
        byte[] raw = new byte[4 * Math.min(len, CHUNK)];
        for (int from = 0; from < len; from += CHUNK) {
            int n = Math.min(CHUNK, len - from);
            in.readFully(raw, 0, 4 * n);
            ByteBuffer.wrap(raw, 0, 4 * n).asFloatBuffer().get(v, from, n);
        }
        return v;
    }

    private static void writeLongs(DataOutputStream out, long[] v) throws IOException {
        out.writeInt(v.length);
        ByteBuffer b = ByteBuffer.allocate(8 * Math.min(v.length, CHUNK));
        for (int from = 0; from < v.length; from += CHUNK) {
            int n = Math.min(CHUNK, v.length - from);
            b.clear();
            b.asLongBuffer().put(v, from, n);
            out.write(b.array(), 0, 8 * n);
        }
    }

    private static long[] readLongs(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0) {
            throw new IOException("negative array length");
        }
        long[] v = new long[len];
        byte[] raw = new byte[8 * Math.min(len, CHUNK)];
        for (int from = 0; from < len; from += CHUNK) {
            int n = Math.min(CHUNK, len - from);
            in.readFully(raw, 0, 8 * n);
            ByteBuffer.wrap(raw, 0, 8 * n).asLongBuffer().get(v, from, n);
        }
        return v;
    }
}
