package dev.sprig.sparse.exec;

import dev.sprig.models.LayerSpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * How CSR layers are stored in a checkpoint: name, shape, sorted positions, values, momentum, bias
 * and its momentum, written in 1 Mi-element chunks so that a large layer never needs a second
 * whole-layer buffer. Lengths are checked against the layer's shape before anything is allocated,
 * so a damaged file cannot ask for more memory than the model has weights.
 */
final class CsrFormat {
    private static final int CHUNK = 1 << 20;

    private CsrFormat() {}

    static void writeLayers(DataOutputStream out, List<CsrLayer> layers) throws IOException {
        out.writeInt(layers.size());
        for (CsrLayer l : layers) {
            out.writeUTF(l.name());
            out.writeInt(l.rows());
            out.writeInt(l.cols());
            writeLongs(out, l.positions());
            writeFloats(out, l.values());
            writeFloats(out, l.velocity());
            writeFloats(out, l.bias());
            writeFloats(out, l.biasVelocity());
        }
    }

    static List<CsrLayer> readLayers(DataInputStream in, List<LayerSpec> specs) throws IOException {
        int nLayers = in.readInt();
        if (nLayers != specs.size()) {
            throw new IOException("it has " + nLayers + " layers, the model has " + specs.size());
        }
        List<CsrLayer> layers = new ArrayList<>();
        for (LayerSpec spec : specs) {
            String name = in.readUTF();
            int rows = in.readInt();
            int cols = in.readInt();
            if (!name.equals(spec.name())
                    || rows != spec.outChannels()
                    || (long) rows * cols != spec.weightCount()) {
                throw new IOException(
                        "layer "
                                + name
                                + " "
                                + rows
                                + "x"
                                + cols
                                + " does not match "
                                + spec.name());
            }
            long size = (long) rows * cols;
            long[] pos = readLongs(in, size);
            float[] values = readFloats(in, pos.length);
            float[] velocity = readFloats(in, pos.length);
            float[] bias = readFloats(in, rows);
            float[] biasVelocity = readFloats(in, rows);
            if (values.length != pos.length
                    || velocity.length != pos.length
                    || bias.length != rows
                    || biasVelocity.length != rows) {
                throw new IOException("the arrays of " + name + " have inconsistent sizes");
            }
            CsrLayer l = CsrLayer.of(name, rows, cols, pos, values, bias);
            l.setStructure(pos, values, velocity);
            System.arraycopy(biasVelocity, 0, l.biasVelocity(), 0, rows);
            layers.add(l);
        }
        return layers;
    }

    static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        ByteBuffer b = ByteBuffer.allocate(4 * Math.min(v.length, CHUNK));
        for (int from = 0; from < v.length; from += CHUNK) {
            int n = Math.min(CHUNK, v.length - from);
            b.clear();
            b.asFloatBuffer().put(v, from, n);
            out.write(b.array(), 0, 4 * n);
        }
    }

    /** Reads floats, refusing a declared length above {@code max}. */
    static float[] readFloats(DataInputStream in, long max) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > max) {
            throw new IOException("an array of " + len + " values where at most " + max + " fit");
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

    private static long[] readLongs(DataInputStream in, long max) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > max) {
            throw new IOException("a layer of " + max + " weights cannot store " + len);
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
