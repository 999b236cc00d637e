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
import java.util.Map;

/**
 * Dynamic sparse training: every ΔT steps between begin and T_end, each layer independently drops
 * the \( \lfloor \alpha_t n_{active} \rfloor \) active weights of smallest magnitude and regrows as
 * many inactive ones by a {@link GrowCriterion}, so every layer keeps its exact count. The update
 * itself is {@link Rewiring}'s, the one the CSR path runs too.
 *
 * <p>As in {@code google-research/rigl} ({@code sparse_optimizers_base.py}): the drop fraction is
 * \( \alpha_t = \frac{\alpha}{2}(1 + \cos(\pi t / T_{end})) \) (or constant); candidates for growth
 * are all connections inactive after the drop, so a connection dropped and regrown in the same
 * update keeps its value ({@code reinit_when_same} makes it new); truly new connections start at
 * zero ({@code grow_init}, or N(0, σ²) of the layer's active weights) with zero momentum; RigL
 * skips the optimiser step on update steps, SET and SNFS apply it and then update the mask. Ties
 * break by index, so updates are deterministic.
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
    private final MaskChangeLog changeLog = new MaskChangeLog();

    /**
     * Creates the updater.
     *
     * @param config run configuration
     * @param name registry key
     * @param grow growth criterion (drop is by magnitude)
     * @param skipByDefault whether this method skips the optimiser step on update steps by default
     */
    public DynamicSparseUpdater(
            TrainConfig config, String name, GrowCriterion grow, boolean skipByDefault) {
        super(config);
        this.name = name;
        this.drop = DropCriterion.magnitude();
        this.grow = grow;
        this.skipUpdateStep =
                dynamicOptions.skipUpdateStep() == null
                        ? skipByDefault
                        : dynamicOptions.skipUpdateStep();
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
                growState.put(
                        w.layer().name(),
                        new float
                                [Math.multiplyExact(
                                        Math.toIntExact(w.size()), grow.stateFloats())]);
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
        long moved = 0;
        long activeAll = 0;
        boolean random = dynamicOptions.growInit() == DynamicSparseOptions.GrowInit.RANDOM_NORMAL;
        int layerIndex = 0;
        for (String layer : masks.layers()) {
            boolean[] old = masks.get(layer);
            long active = masks.count(layer);
            activeAll += active;
            int nDrop = (int) Math.floor(active * fraction);
            if (nDrop == 0 || active == old.length) {
                layerIndex++;
                continue; // dense layers (ERK may make some) stay dense
            }
            NamedParameter p = masks.weight(layer);
            int rows = Math.max(1, Math.toIntExact(p.array().getShape().get(0)));
            NDArray momentum = run.optimizer().momentum().get(p.name());
            float[] mv = momentum == null ? null : momentum.toFloatArray();
            MaskedLayer view =
                    new MaskedLayer(rows, old.length / rows, old, p.array().toFloatArray(), mv);
            Rewiring.Result rewired =
                    Rewiring.rewire(
                            view,
                            nDrop,
                            drop,
                            growScores(layer, layerIndex, step, view),
                            dynamicOptions.reinitWhenSame(),
                            random ? seeds.derive("grow-init", step, layerIndex) : null);
            long[] fresh = rewired.fresh();
            moved += rewired.moved();
            masks.set(layer, view.mask());
            // New connections are zero already (they were masked); only re-initialised ones need
            // writing.
            if (random || dynamicOptions.reinitWhenSame()) {
                HostValues.write(p.array(), view.dense());
                if (mv != null) {
                    for (long f : fresh) {
                        mv[(int) f] = 0f;
                    }
                    HostValues.write(momentum, mv);
                }
            }
            changed.put(layer, fresh.length);
            layerIndex++;
        }
        // Dropped connections become zero here.
        masks.applyToWeights();
        if (masksOptimizerState()) {
            masks.applyToMomentum(run.optimizer().momentum());
        }
        updates++;
        changeLog.record(step, moved, activeAll);
        if (dynamicOptions.maskHistoryEvery() > 0
                && (updates - 1) % dynamicOptions.maskHistoryEvery() == 0) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("step", step);
            entry.put("drop_fraction", fraction);
            entry.put("changed", changed);
            history.add(entry);
        }
    }

    private float[] denseGradient(String layer, StepContext step) {
        NDArray g = masks.weight(layer).array().getGradient();
        g.attach(step.manager());
        return g.toFloatArray();
    }

    /**
     * The grow criterion's scores of a layer, in row blocks (the engine path holds the dense layer
     * anyway).
     */
    private GrowCriterion.RowScores growScores(
            String layer, int layerIndex, long step, MaskedLayer view) {
        float[] gradient = growGradients.get(layer);
        int cols = view.cols();
        GrowCriterion.RowScores g =
                gradient == null
                        ? null
                        : (from, to) ->
                                from == 0 && to * cols == gradient.length
                                        ? gradient // the whole layer: no copy
                                        : java.util.Arrays.copyOfRange(
                                                gradient, from * cols, to * cols);
        return grow.scores(
                new GrowCriterion.Input(
                        layerIndex, view.rows(), cols, step, seeds, g, growState.get(layer)));
    }

    @Override
    public void onEpochEnd(EpochContext epoch) {
        epoch.extra().put("mask_updates", updates);
        changeLog.drainTo(epoch.extra());
        if (!history.isEmpty()) {
            epoch.extra().put("mask_history", new ArrayList<>(history));
            history.clear();
        }
    }

    @Override
    public void onTrainingEnd(RunContext run) {
        super.onTrainingEnd(run);
        run.summaryExtra().put("mask_updates", updates);
        run.summaryExtra().put("update_interval", dynamicOptions.updateInterval());
        run.summaryExtra().put("drop_fraction", dynamicOptions.dropFraction());
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
        changeLog.save(out);
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
        changeLog.load(in);
    }
}
