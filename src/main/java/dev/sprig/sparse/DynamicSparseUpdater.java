package dev.sprig.sparse;

import ai.djl.ndarray.NDArray;
import dev.sprig.models.HostValues;
import dev.sprig.models.NamedParameter;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.EpochContext;
import dev.sprig.train.RunContext;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Dynamic sparse training: every ΔT steps between begin and T_end, each layer independently drops
 * the \( \lfloor \alpha_t n_{active} \rfloor \) active weights of smallest magnitude and regrows as
 * many inactive ones by a {@link GrowCriterion}, so every layer keeps its exact count.
 *
 * <p>As in {@code google-research/rigl} ({@code sparse_optimizers_base.py}): the drop fraction is
 * \( \alpha_t = \frac{\alpha}{2}(1 + \cos(\pi t / T_{end})) \) (or constant); candidates for growth
 * are all connections inactive after the drop, so a connection dropped and regrown in the same
 * update keeps its value ({@code reinit_when_same} makes it new); truly new connections start at
 * zero ({@code grow_init}, or N(0, σ²) of the layer's active weights) with zero momentum; RigL skips the
 * optimiser step on update steps, SET and SNFS apply it and then update the mask. Ties break by
 * index, so updates are deterministic.
 *
 * <p>Cost: RigL is charged a dense weight gradient on update steps only, SNFS on every step (its
 * moving average needs the dense gradient each step), SET never.
 */
public class DynamicSparseUpdater extends StaticUpdater {
    private final String name;
    private final DropCriterion drop;
    private final GrowCriterion grow;
    private final boolean skipUpdateStep;
    private DropSchedule schedule;
    private final Map<String, float[]> growGradients = new LinkedHashMap<>();
    private final Map<String, float[]> growState = new LinkedHashMap<>();
    private final List<Map<String, Object>> history = new ArrayList<>();
    private long updates;

    /**
     * Creates the updater.
     *
     * @param config run configuration
     * @param name registry key
     * @param grow growth criterion (drop is by magnitude)
     * @param skipByDefault whether this method skips the optimiser step on update steps by default
     */
    public DynamicSparseUpdater(TrainConfig config, String name, GrowCriterion grow, boolean skipByDefault) {
        super(config);
        this.name = name;
        this.drop = DropCriterion.magnitude();
        this.grow = grow;
        this.skipUpdateStep = config.skipUpdateStep == null ? skipByDefault : config.skipUpdateStep;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void onTrainingBegin(RunContext run) {
        long total = (long) run.stepsPerEpoch() * run.config().epochs;
        schedule = DropSchedule.of(config, total);
        if (grow.stateFloats() > 0 && growState.isEmpty()) {
            for (NamedParameter w : run.model().prunableWeights()) {
                growState.put(w.layer().name(), new float[Math.multiplyExact(Math.toIntExact(w.size()), grow.stateFloats())]);
            }
        }
        super.onTrainingBegin(run);
    }

    /**
     * Whether a step updates the masks.
     *
     * @param step global step
     * @return true every ΔT steps from begin, before T_end
     */
    public boolean isUpdateStep(long step) {
        return schedule.isUpdateStep(step);
    }

    /**
     * Returns the drop fraction α_t of a step.
     *
     * @param step global step
     * @return the fraction of active weights to drop
     */
    public double dropFraction(long step) {
        return schedule.dropFraction(step);
    }

    @Override
    public void afterBackward(StepContext step) {
        boolean update = isUpdateStep(step.step());
        if (grow.gradientUse() == GrowCriterion.GradientUse.EVERY_STEP) {
            for (Map.Entry<String, float[]> e : growState.entrySet()) {
                grow.accumulate(e.getValue(), 0, denseGradient(e.getKey(), step));
            }
            step.chargeDenseWeightGradient();
        }
        if (update) {
            growGradients.clear();
            if (grow.gradientUse() == GrowCriterion.GradientUse.ON_UPDATE) {
                for (String layer : masks.layers()) {
                    growGradients.put(layer, denseGradient(layer, step));
                }
                step.chargeDenseWeightGradient();
            }
            if (skipUpdateStep) {
                updateMasks(step.step());
                step.skipOptimizerStep();
            }
        }
        super.afterBackward(step);
    }

    @Override
    public void afterOptimizerStep(StepContext step) {
        if (isUpdateStep(step.step()) && !skipUpdateStep) {
            updateMasks(step.step());
        }
        super.afterOptimizerStep(step);
    }

    private void updateMasks(long step) {
        double fraction = dropFraction(step);
        Map<String, Object> changed = new LinkedHashMap<>();
        int layerIndex = 0;
        for (String layer : masks.layers()) {
            boolean[] old = masks.get(layer);
            long active = masks.count(layer);
            int nDrop = (int) Math.floor(active * fraction);
            long size = old.length;
            if (nDrop == 0 || active == size) {
                layerIndex++;
                continue; // dense layers (ERK may make some) stay dense
            }
            float[] w = masks.weight(layer).array().toFloatArray();
            boolean[] next = old.clone();
            boolean[] droppedNow = new boolean[old.length];
            for (int i : TopK.smallest(drop.scores(w), old, nDrop)) {
                next[i] = false;
                droppedNow[i] = true;
            }
            boolean[] candidates = new boolean[old.length];
            for (int i = 0; i < old.length; i++) {
                candidates[i] = !next[i];
            }
            for (int i : TopK.largest(growScores(layer, layerIndex, step, old.length), candidates, nDrop)) {
                next[i] = true;
            }
            // New connections: grown where inactive before, or (reinit_when_same) dropped and regrown now.
            boolean[] fresh = new boolean[old.length];
            int freshCount = 0;
            for (int i = 0; i < old.length; i++) {
                fresh[i] = next[i] && (!old[i] || (config.reinitWhenSame && droppedNow[i]));
                freshCount += fresh[i] ? 1 : 0;
            }
            initialiseNew(layer, w, old, fresh, step, layerIndex);
            masks.set(layer, next);
            changed.put(layer, freshCount);
            layerIndex++;
        }
        // New connections are zero already (they were masked); dropped ones become zero here.
        masks.applyToWeights();
        if (masksOptimizerState()) {
            masks.applyToMomentum(run.optimizer().momentum());
        }
        updates++;
        if (config.maskHistoryEvery > 0 && (updates - 1) % config.maskHistoryEvery == 0) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("step", step);
            entry.put("drop_fraction", fraction);
            entry.put("changed", changed);
            history.add(entry);
        }
    }

    /**
     * Gives new connections their initial value (zero, or N(0, σ²) with σ the standard deviation of
     * the layer's active weights) and zero momentum. Without re-initialisation of dropped-and-regrown
     * connections and with zero init, nothing needs writing: new connections were masked to zero.
     */
    private void initialiseNew(String layer, float[] w, boolean[] old, boolean[] fresh, long step, int layerIndex) {
        boolean random = config.growInit.toLowerCase(Locale.ROOT).equals("random_normal");
        if (!random && !config.reinitWhenSame) {
            return;
        }
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (int i = 0; i < w.length; i++) {
            if (old[i]) {
                sum += w[i];
                sq += (double) w[i] * w[i];
                n++;
            }
        }
        double std = n == 0 ? 0 : Math.sqrt(Math.max(0, sq / n - (sum / n) * (sum / n)));
        SplittableRandom r = seeds.derive("grow-init", step, layerIndex);
        float[] updated = w.clone();
        for (int i = 0; i < w.length; i++) {
            if (fresh[i]) {
                updated[i] = random ? (float) (r.nextGaussian() * std) : 0f;
            }
        }
        NamedParameter p = masks.weight(layer);
        HostValues.write(p.array(), updated);
        NDArray v = run.optimizer().momentum().get(p.name());
        if (v != null) {
            float[] mv = v.toFloatArray();
            for (int i = 0; i < mv.length; i++) {
                if (fresh[i]) {
                    mv[i] = 0f;
                }
            }
            HostValues.write(v, mv);
        }
    }

    private float[] denseGradient(String layer, StepContext step) {
        NDArray g = masks.weight(layer).array().getGradient();
        g.attach(step.manager());
        return g.toFloatArray();
    }

    /** The grow criterion's scores of a whole layer (the engine path holds the dense layer anyway). */
    private float[] growScores(String layer, int layerIndex, long step, int size) {
        float[] gradient = growGradients.get(layer);
        int rows = Math.max(1, Math.toIntExact(masks.weight(layer).array().getShape().get(0)));
        int cols = size / rows;
        GrowCriterion.RowScores g = gradient == null ? null : (from, to) -> gradient;
        return grow.scores(new GrowCriterion.Input(layerIndex, rows, cols, step, seeds, g, growState.get(layer)))
                .rows(0, rows);
    }

    @Override
    public void onEpochEnd(EpochContext epoch) {
        epoch.extra().put("mask_updates", updates);
        if (!history.isEmpty()) {
            epoch.extra().put("mask_history", new ArrayList<>(history));
            history.clear();
        }
    }

    @Override
    public void onTrainingEnd(RunContext run) {
        super.onTrainingEnd(run);
        run.summaryExtra().put("mask_updates", updates);
        run.summaryExtra().put("update_interval", config.updateInterval);
        run.summaryExtra().put("drop_fraction", config.dropFraction);
        run.summaryExtra().put("end_step", schedule.endStep());
    }

    @Override
    protected void saveExtraState(DataOutputStream out) throws IOException {
        out.writeLong(updates);
        out.writeInt(growState.size());
        for (Map.Entry<String, float[]> e : growState.entrySet()) {
            out.writeUTF(e.getKey());
            Checkpoint.writeFloats(out, e.getValue());
        }
    }

    @Override
    protected void loadExtraState(DataInputStream in) throws IOException {
        updates = in.readLong();
        int n = in.readInt();
        for (int k = 0; k < n; k++) {
            String layer = in.readUTF();
            float[] v = Checkpoint.readFloats(in);
            float[] a = growState.get(layer);
            if (a == null || a.length != v.length) {
                throw new IOException("growth state for " + layer + " does not fit this model");
            }
            System.arraycopy(v, 0, a, 0, v.length);
        }
    }
}
