package dev.sprig.sparse;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fraction of active connections each mask update of a dynamic sparse run moved (dropped here,
 * grown elsewhere): the RigL paper's picture of how much the topology still explores. A connection
 * dropped and regrown at the same position counts as unchanged. Both execution paths record into
 * one of these, so the metrics line holds the same {@code mask_changed_fraction} list of {@code
 * [step, fraction]} pairs whichever path trained.
 *
 * <p>The entries of the current epoch are part of the checkpoint, so a run killed mid-epoch writes
 * the same metrics line after resuming as an uninterrupted one.
 */
public final class MaskChangeLog {
    /** Metrics key of the per-epoch list. */
    public static final String KEY = "mask_changed_fraction";

    private final List<double[]> pending = new ArrayList<>();

    /**
     * Records one mask update.
     *
     * @param step the training step of the update
     * @param moved connections now active that were not before the update, over all layers
     * @param active active connections over all masked layers
     */
    public void record(long step, long moved, long active) {
        pending.add(new double[] {step, active == 0 ? 0 : (double) moved / active});
    }

    /**
     * Moves this epoch's entries into the metrics line (nothing when there were none).
     *
     * @param extra the epoch's extra metrics
     */
    public void drainTo(Map<String, Object> extra) {
        if (pending.isEmpty()) {
            return;
        }
        List<List<Double>> out = new ArrayList<>();
        for (double[] e : pending) {
            out.add(List.of(e[0], e[1]));
        }
        extra.put(KEY, out);
        pending.clear();
    }

    /**
     * Writes the entries not yet drained.
     *
     * @param out the checkpoint section
     * @throws IOException on a write error
     */
    public void save(DataOutputStream out) throws IOException {
        out.writeInt(pending.size());
        for (double[] e : pending) {
            out.writeDouble(e[0]);
            out.writeDouble(e[1]);
        }
    }

    /**
     * Reads what {@link #save} wrote; a checkpoint written before this log existed ends earlier and
     * leaves it empty.
     *
     * @param in the checkpoint section
     * @throws IOException when the section is corrupt
     */
    public void load(DataInputStream in) throws IOException {
        pending.clear();
        if (in.available() == 0) {
            return;
        }
        int n = in.readInt();
        if (n < 0 || n > 1 << 24) {
            throw new IOException("mask change log of " + n + " entries");
        }
        for (int i = 0; i < n; i++) {
            pending.add(new double[] {in.readDouble(), in.readDouble()});
        }
    }
}
