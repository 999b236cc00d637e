package dev.sprig.sparse;

import dev.sprig.SeedStream;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.train.RunContext;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.TrainingHook;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What every unstructured sparse method shares (jaxpruner's {@code BaseUpdater}): the masks, their
 * initial draw with an exact count per layer, masking of gradients, weights and momentum, cost
 * accounting at the masks' densities, and checkpointing of the masks. A method overrides {@link
 * #initialMasks} and, if its topology changes, the step hooks.
 *
 * <p>Forward passes use \( W \odot M \): weights outside the mask are exactly zero after every
 * optimiser step. With momentum policy {@code zero} (default) gradients are masked too, so inactive
 * connections carry no momentum and a regrown one starts from zero momentum; with {@code keep}
 * gradients are not masked and inactive connections accumulate dense momentum (FreeTickets' code).
 */
public abstract class SparseUpdater implements TrainingHook {
    /** The run's configuration. */
    protected final TrainConfig config;

    /** The sparsity and its allocation, parsed once. */
    protected final SparsityOptions sparsityOptions;

    /** When and how masks change, parsed once (also the momentum policy every method follows). */
    protected final DynamicSparseOptions dynamicOptions;

    /** Randomness derived from the run seed. */
    protected final SeedStream seeds;

    /** The masks (null until the run begins). */
    protected MaskSet masks;

    /** The run (null until the run begins). */
    protected RunContext run;

    /** Target keep count per layer. */
    protected LayerAllocation allocation;

    private byte[] pendingState;

    /**
     * Creates the updater.
     *
     * @param config run configuration (sparsity, distribution, schedule)
     */
    protected SparseUpdater(TrainConfig config) {
        this.config = config;
        this.sparsityOptions = SparsityOptions.from(config);
        this.dynamicOptions = DynamicSparseOptions.from(config);
        this.seeds = new SeedStream(config.seed);
    }

    /**
     * Returns the registry key of the method.
     *
     * @return e.g. {@code rigl}
     */
    public abstract String name();

    /**
     * Returns the masks.
     *
     * @return the masks
     */
    public MaskSet masks() {
        return masks;
    }

    /**
     * Returns the target keep counts.
     *
     * @return the allocation
     */
    public LayerAllocation allocation() {
        return allocation;
    }

    /**
     * Returns the per-layer counts the masks must hold once a step's optimiser step is done: the
     * allocation for methods that keep a fixed count, a schedule's count for those that do not
     * (GMP). The contract tests check every method against it after every step.
     *
     * @param step global step
     * @return the required counts
     */
    public LayerAllocation requiredAllocation(long step) {
        return allocation;
    }

    /**
     * Returns the layer allocation for the configured sparsity and distribution.
     *
     * @param layers prunable layers
     * @param sparsity the overall sparsity
     * @return keep counts
     */
    protected LayerAllocation allocate(List<LayerSpec> layers, double sparsity) {
        return sparsityOptions.distribution().allocate(layers, sparsity);
    }

    /**
     * Draws the masks the run starts with.
     *
     * @param layers prunable layers in model order
     * @return mask by layer name
     */
    protected abstract Map<String, boolean[]> initialMasks(List<LayerSpec> layers);

    /**
     * All-ones masks: the start of methods that begin dense (SNIP before its first gradient, GMP).
     *
     * @param layers prunable layers
     * @return a full mask per layer
     */
    protected static Map<String, boolean[]> denseMasks(List<LayerSpec> layers) {
        Map<String, boolean[]> m = new LinkedHashMap<>();
        for (LayerSpec l : layers) {
            boolean[] all = new boolean[(int) l.weightCount()];
            java.util.Arrays.fill(all, true);
            m.put(l.name(), all);
        }
        return m;
    }

    /**
     * Removes, in each layer, the surviving weights of smallest magnitude until the layer holds its
     * count in {@code target}; layers already at or below their count are left alone. Pruned
     * weights are zeroed (and their momentum, under momentum policy {@code zero}).
     *
     * @param target keep count per layer
     */
    protected void pruneByMagnitudeTo(LayerAllocation target) {
        for (String layer : masks.layers()) {
            boolean[] m = masks.get(layer);
            long excess = masks.count(layer) - target.keep().get(layer);
            if (excess > 0) {
                float[] w = masks.weight(layer).array().toFloatArray();
                for (int i : TopK.smallest(w, m, (int) excess)) {
                    m[i] = false;
                }
                masks.set(layer, m);
            }
        }
        masks.applyToWeights();
        if (masksOptimizerState()) {
            masks.applyToMomentum(run.optimizer().momentum());
        }
    }

    /**
     * A uniformly random mask with exactly {@code keep} true entries, from (seed, "mask-init",
     * layer).
     *
     * @param size number of weights
     * @param keep active count
     * @param layerIndex layer position, for the seed
     * @return the mask
     */
    protected boolean[] randomMask(int size, long keep, int layerIndex) {
        return uniformMask(seeds.derive("mask-init", layerIndex), size, keep);
    }

    /**
     * A uniformly random mask with exactly {@code keep} true entries (partial Fisher–Yates), the
     * draw every path that must reproduce Sprig's initial masks uses.
     *
     * @param r random source
     * @param size number of weights
     * @param keep active count
     * @return the mask
     */
    public static boolean[] uniformMask(SplittableRandom r, int size, long keep) {
        int[] idx = new int[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        boolean[] m = new boolean[size];
        for (int i = 0; i < keep; i++) {
            int j = i + r.nextInt(size - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            m[idx[i]] = true;
        }
        return m;
    }

    /**
     * Whether gradients and momentum are masked (momentum policy {@code zero}).
     *
     * @return true unless the policy is {@code keep}
     */
    protected boolean masksOptimizerState() {
        return dynamicOptions.momentumPolicy() == DynamicSparseOptions.MomentumPolicy.ZERO;
    }

    /**
     * Returns the prunable layers of the run's model.
     *
     * @return layer specs of the prunable weights
     */
    protected List<LayerSpec> prunableLayers() {
        List<LayerSpec> layers = new ArrayList<>();
        for (NamedParameter w : run.model().prunableWeights()) {
            layers.add(w.layer());
        }
        return layers;
    }

    @Override
    public void onTrainingBegin(RunContext run) {
        this.run = run;
        if (masks == null) {
            masks = new MaskSet(run.model().prunableWeights());
        }
        List<LayerSpec> layers = prunableLayers();
        allocation = allocate(layers, config.sparsity);
        if (pendingState == null) {
            initialMasks(layers).forEach(masks::set);
        } else {
            try (DataInputStream in =
                    new DataInputStream(new java.io.ByteArrayInputStream(pendingState))) {
                masks.load(in);
                loadExtraState(in);
            } catch (IOException e) {
                throw new dev.sprig.SprigException(
                        "checkpoint masks do not fit this run: " + e.getMessage());
            }
            pendingState = null;
        }
        masks.applyToWeights();
        run.setDensities(currentAllocation().densities());
    }

    /**
     * Returns the allocation the masks currently have (GMP changes it over time).
     *
     * @return the current keep counts
     */
    protected LayerAllocation currentAllocation() {
        Map<String, Long> size = new LinkedHashMap<>();
        for (String l : masks.layers()) {
            size.put(l, masks.weight(l).size());
        }
        return new LayerAllocation(masks.counts(), size);
    }

    @Override
    public void afterBackward(StepContext step) {
        if (masksOptimizerState()) {
            masks.applyToGradients(step.manager());
        }
    }

    @Override
    public void afterOptimizerStep(StepContext step) {
        masks.applyToWeights();
    }

    @Override
    public void onTrainingEnd(RunContext run) {
        LayerAllocation a = currentAllocation();
        Map<String, Double> densities = new LinkedHashMap<>(a.densities().byLayer());
        run.summaryExtra().put("layer_densities", densities);
        if (allocation != null) {
            // What the distribution asked for at the final sparsity: equal to the densities for
            // the methods that hold exact counts throughout, the goal for GMP's schedule.
            run.summaryExtra().put("target_layer_densities", allocation.densities().byLayer());
        }
        run.summaryExtra().put("distribution", config.distribution);
    }

    @Override
    public String stateKey() {
        return "sparse-masks";
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        masks.save(out);
        saveExtraState(out);
    }

    /**
     * Keeps the checkpointed state until {@link #onTrainingBegin}, when the model exists.
     *
     * @param in the checkpoint section
     * @throws IOException on read failure
     */
    @Override
    public void loadState(DataInputStream in) throws IOException {
        pendingState = in.readAllBytes();
    }

    /**
     * Writes method state beyond the masks (SNFS's gradient average).
     *
     * @param out the stream
     * @throws IOException on write failure
     */
    protected void saveExtraState(DataOutputStream out) throws IOException {}

    /**
     * Reads what {@link #saveExtraState} wrote; called after the model and masks exist.
     *
     * @param in the stream
     * @throws IOException on read failure
     */
    protected void loadExtraState(DataInputStream in) throws IOException {}
}
