package dev.sprig.sparse;

import dev.sprig.SprigException;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.RunContext;
import dev.sprig.train.TrainConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prune and fine-tune (Han et al., "Learning both Weights and Connections", arXiv 1506.02626; the
 * PF baseline of FreeTickets, {@code main_PF.py}): start from a trained dense network, keep the
 * weights of largest magnitude across all layers together (one global threshold, so layers end with
 * different densities) and fine-tune with that mask fixed.
 *
 * <p>The dense weights come from the checkpoint named by {@code prune_from} (a run folder stands
 * for its best-validation checkpoint, else its last); its momentum is not carried over (the authors
 * build a fresh optimiser). A resumed fine-tuning keeps its own weights and masks from its
 * checkpoint and does not read the dense one again.
 */
public final class PruneFinetuneUpdater extends SparseUpdater {
    private boolean resumed;

    /**
     * Creates the updater.
     *
     * @param config run configuration, with {@code prune_from} set
     */
    public PruneFinetuneUpdater(TrainConfig config) {
        super(config);
        if (config.pruneFrom == null || config.pruneFrom.isBlank()) {
            throw new SprigException(
                    "method pf needs prune_from: the checkpoint of a trained dense run"
                            + " (--prune-from)");
        }
    }

    @Override
    public String name() {
        return "pf";
    }

    @Override
    public void loadState(DataInputStream in) throws IOException {
        resumed = true;
        super.loadState(in);
    }

    @Override
    public void onTrainingBegin(RunContext run) {
        if (!resumed) {
            Checkpoint.loadWeights(Checkpoint.ofRun(Path.of(config.pruneFrom)), run.model());
        }
        super.onTrainingBegin(run);
    }

    /**
     * Global magnitude ranking of the current weights: the densest layers are those with the
     * largest weights.
     */
    @Override
    protected LayerAllocation allocate(List<LayerSpec> layers, double sparsity) {
        Map<String, boolean[]> keep = globalMagnitude(sparsity);
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (LayerSpec l : layers) {
            boolean[] m = keep.get(l.name());
            long n = 0;
            for (boolean b : m) {
                n += b ? 1 : 0;
            }
            counts.put(l.name(), n);
            sizes.put(l.name(), (long) m.length);
        }
        return new LayerAllocation(counts, sizes);
    }

    @Override
    protected Map<String, boolean[]> initialMasks(List<LayerSpec> layers) {
        return globalMagnitude(config.sparsity);
    }

    private Map<String, boolean[]> globalMagnitude(double sparsity) {
        List<NamedParameter> weights = run.model().prunableWeights();
        long total = 0;
        for (NamedParameter w : weights) {
            total += w.size();
        }
        long keepCount = Math.round((1 - sparsity) * total);
        long[] keys = new long[Math.toIntExact(total)];
        Map<String, float[]> values = new LinkedHashMap<>();
        int offset = 0;
        for (NamedParameter w : weights) {
            float[] v = w.array().toFloatArray();
            values.put(w.layer().name(), v);
            for (int i = 0; i < v.length; i++) {
                keys[offset + i] = TopK.key(v[i], offset + i, true);
            }
            offset += v.length;
        }
        Arrays.sort(keys);
        boolean[] kept = new boolean[keys.length];
        for (int i = 0; i < keepCount; i++) {
            kept[(int) TopK.index(keys[i])] = true;
        }
        Map<String, boolean[]> masks = new LinkedHashMap<>();
        offset = 0;
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            masks.put(e.getKey(), Arrays.copyOfRange(kept, offset, offset + e.getValue().length));
            offset += e.getValue().length;
        }
        return masks;
    }
}
