package dev.sprig.sparse;

import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import java.util.List;
import java.util.Map;

/**
 * SNIP (Lee et al., arXiv:1810.02340), as RigL's baseline: one-shot pruning at initialisation,
 * keeping per layer the connections with the largest connection sensitivity \( |g \cdot w| \) on
 * the first mini-batch, then training with the mask fixed. The first batch's gradient is dense; its
 * cost is charged.
 */
public final class SnipUpdater extends SparseUpdater {
    /**
     * Creates the updater.
     *
     * @param config run configuration
     */
    public SnipUpdater(TrainConfig config) {
        super(config);
    }

    @Override
    public String name() {
        return "snip";
    }

    @Override
    protected Map<String, boolean[]> initialMasks(List<LayerSpec> layers) {
        // Dense until the first gradient exists; chosen in afterBackward of step 0.
        return denseMasks(layers);
    }

    @Override
    public void afterBackward(StepContext step) {
        if (step.step() == 0) {
            for (String layer : masks.layers()) {
                NamedParameter w = masks.weight(layer);
                float[] wv = w.array().toFloatArray();
                var g = w.array().getGradient();
                g.attach(step.manager());
                float[] gv = g.toFloatArray();
                float[] score = new float[wv.length];
                for (int i = 0; i < wv.length; i++) {
                    score[i] = Math.abs(wv[i] * gv[i]);
                }
                boolean[] all = new boolean[wv.length];
                java.util.Arrays.fill(all, true);
                boolean[] keep = new boolean[wv.length];
                for (int i : TopK.largest(score, all, (int) (long) allocation.keep().get(layer))) {
                    keep[i] = true;
                }
                masks.set(layer, keep);
            }
            step.chargeDenseWeightGradient();
            masks.applyToWeights();
            run.setDensities(currentAllocation().densities());
        }
        super.afterBackward(step);
    }
}
