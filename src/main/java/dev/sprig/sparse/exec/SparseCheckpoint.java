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

/**
 * Reads the network of a run trained on the CSR path, for evaluation and export: from the CSR
 * backend's section of a checkpoint, or from a file of the sparse path's own format written
 * before the path became a backend of the one {@code Trainer} ({@value #LEGACY_MAGIC}), so that
 * older run folders still evaluate and export.
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

    private static boolean isLegacy(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 256))) {
            return LEGACY_MAGIC.equals(in.readUTF());
        } catch (IOException e) {
            return false;
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
            if (isLegacy(file)) {
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                    in.readUTF();
                    if (in.readInt() != 1) {
                        throw new IOException("unknown version of the sparse path's format");
                    }
                    in.skipNBytes(4 + 8 + 8 + 8 + 8 + 8 + 4 + 8 + 1); // epoch ... optimizer-started
                    int lines = in.readInt();
                    for (int i = 0; i < lines; i++) {
                        in.skipNBytes(in.readInt());
                    }
                    return new SparseMlp(CsrFormat.readLayers(in, specs), pool);
                }
            }
            Checkpoint.Contents c = Checkpoint.read(file);
            if (!c.backend().equals(CsrBackend.NAME)) {
                throw new SprigException("checkpoint " + file + " holds no CSR network (backend " + c.backend() + ")");
            }
            try (DataInputStream in = c.sectionStream()) {
                return CsrSession.readNetwork(in, specs, pool);
            }
        } catch (EOFException e) {
            throw new SprigException("checkpoint " + file + " is truncated");
        } catch (IOException | IllegalArgumentException e) {
            throw new SprigException("checkpoint " + file + " does not fit this run: " + e.getMessage());
        }
    }
}
