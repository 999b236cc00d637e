package dev.sprig.sparse.exec;

import dev.sprig.SprigException;
import dev.sprig.models.LayerSpec;
import dev.sprig.train.Checkpoint;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads the network of a run trained on the CSR path, for evaluation and export: from the CSR
 * backend's section of a checkpoint, or from a file of the sparse path's own format written before
 * the path became a backend of the one {@code Trainer} ({@value #LEGACY_MAGIC}), so that older run
 * folders still evaluate and export.
 */
public final class SparseCheckpoint {
    /** The magic of the sparse path's checkpoints before version 2 of the common format. */
    static final String LEGACY_MAGIC = "SPRIG-SPARSE-CHECKPOINT";

    private SparseCheckpoint() {}

    /**
     * Says whether a checkpoint holds a CSR network.
     *
     * @param file the checkpoint
     * @return true for the CSR backend's checkpoints, old or new
     */
    public static boolean isSparse(Path file) {
        if (isLegacy(file)) {
            return true;
        }
        try {
            return Checkpoint.read(file).backend().equals(CsrBackend.NAME);
        } catch (SprigException e) {
            return false;
        }
    }

    static boolean isLegacy(Path file) {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 256))) {
            return LEGACY_MAGIC.equals(in.readUTF());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads a checkpoint of the sparse path's old format as the common format's contents: the
     * loop's state from its header, and the CSR backend's section (whose layout continues the old
     * file's: mask updates, optimiser started, layers, growth state).
     *
     * @param file the old checkpoint
     * @return its contents
     * @throws SprigException when it is unreadable
     */
    static Checkpoint.Contents legacyContents(Path file) {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            in.readUTF();
            if (in.readInt() != 1) {
                throw new SprigException(
                        "checkpoint "
                                + file
                                + " has an unknown version of the sparse path's format");
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
            int n = in.readInt();
            if (n < 0) {
                throw new IOException("negative line count");
            }
            List<String> lines = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                int len = in.readInt();
                if (len < 0 || len > in.available()) {
                    throw new IOException(
                            "a metrics line of " + len + " bytes does not fit the file");
                }
                lines.add(new String(in.readNBytes(len), java.nio.charset.StandardCharsets.UTF_8));
            }
            java.io.ByteArrayOutputStream section = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(section);
            out.writeLong(updates);
            out.writeBoolean(started);
            in.transferTo(out);
            out.flush();
            Checkpoint.State state =
                    new Checkpoint.State(
                            epoch, 0, step, flops, dense, 0, 0, 0, 0, wall, best, bestEpoch, lines);
            return new Checkpoint.Contents(state, CsrBackend.NAME, section.toByteArray(), false);
        } catch (EOFException e) {
            throw new SprigException("checkpoint " + file + " is truncated");
        } catch (IOException e) {
            throw new SprigException("cannot read checkpoint " + file + ": " + e.getMessage());
        }
    }

    /**
     * Loads the network of a CSR checkpoint.
     *
     * @param file the checkpoint
     * @param specs the model's linear layers
     * @param pool workers the network computes with
     * @return the network
     * @throws SprigException when the file is not a CSR checkpoint of this model
     */
    public static SparseMlp network(Path file, List<LayerSpec> specs, WorkerPool pool) {
        try {
            Checkpoint.Contents c = isLegacy(file) ? legacyContents(file) : Checkpoint.read(file);
            if (!c.backend().equals(CsrBackend.NAME)) {
                throw new SprigException(
                        "checkpoint "
                                + file
                                + " holds no CSR network (backend "
                                + c.backend()
                                + ")");
            }
            try (DataInputStream in = c.sectionStream()) {
                return CsrSession.readNetwork(in, specs, pool);
            }
        } catch (EOFException e) {
            throw new SprigException("checkpoint " + file + " is truncated");
        } catch (IOException | IllegalArgumentException e) {
            throw new SprigException(
                    "checkpoint " + file + " does not fit this run: " + e.getMessage());
        }
    }

    /**
     * Copies the network of a sparse-backend checkpoint into an engine model of the same
     * architecture (stored weights in place, zeros elsewhere; biases; batch-norm parameters and
     * running statistics), for evaluation and export of MLPs and CNNs alike.
     *
     * @param file the checkpoint
     * @param model a model of the run's architecture
     * @throws SprigException when the file is not a sparse checkpoint of this model
     */
    public static void copyInto(Path file, dev.sprig.models.SprigModel model) {
        List<LayerSpec> prunable = CsrSession.prunable(model.layers());
        try {
            Checkpoint.Contents c = isLegacy(file) ? legacyContents(file) : Checkpoint.read(file);
            if (!c.backend().equals(CsrBackend.NAME)) {
                throw new SprigException(file + " holds no sparse network (" + c.backend() + ")");
            }
            try (DataInputStream in = c.sectionStream()) {
                in.readLong();
                in.readBoolean();
                for (CsrLayer layer : CsrFormat.readLayers(in, prunable)) {
                    write(model, layer.name() + ".weight", layer.toDense(), file);
                    if (model.parameters().containsKey(layer.name() + ".bias")) {
                        write(model, layer.name() + ".bias", layer.bias(), file);
                    }
                }
                boolean recurrent = CsrSession.isRecurrent(model.layers());
                if (!recurrent && !CsrSession.isConvolutional(model.layers())) {
                    return; // an MLP's section ends with growth state, nothing else to copy
                }
                int grown = in.readInt();
                for (int i = 0; i < grown; i++) {
                    in.readUTF();
                    CsrFormat.readFloats(in, Integer.MAX_VALUE - 8);
                }
                if (recurrent) {
                    // A GRU's other parameters start with its embedding table.
                    write(
                            model,
                            "embed.embedding",
                            CsrFormat.readFloats(in, Integer.MAX_VALUE - 8),
                            file);
                    return;
                }
                for (Map.Entry<String, SparseCnn.BatchNormState> e :
                        SparseCnn.readBatchNorms(in).entrySet()) {
                    SparseCnn.BatchNormState bn = e.getValue();
                    write(model, e.getKey() + ".gamma", bn.gamma(), file);
                    write(model, e.getKey() + ".beta", bn.beta(), file);
                    write(model, e.getKey() + ".running_mean", bn.runningMean(), file);
                    write(model, e.getKey() + ".running_var", bn.runningVar(), file);
                }
            }
        } catch (EOFException e) {
            throw new SprigException("checkpoint " + file + " is truncated");
        } catch (IOException | IllegalArgumentException e) {
            throw new SprigException(
                    "checkpoint " + file + " does not fit this run: " + e.getMessage());
        }
    }

    private static void write(
            dev.sprig.models.SprigModel model, String name, float[] values, Path file) {
        dev.sprig.models.NamedParameter p = model.parameters().get(name);
        if (p == null || p.size() != values.length) {
            throw new SprigException(file + ": " + name + " does not fit " + model.architecture());
        }
        dev.sprig.models.HostValues.write(p.array(), values);
    }
}
