package dev.sprig.sparse;

import dev.sprig.models.LayerSpec;
import dev.sprig.train.RunContext;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import java.util.List;
import java.util.Map;

/**
 * Gradual magnitude pruning (Zhu and Gupta, arXiv:1710.01878; RigL's "Pruning" baseline): start
 * dense and, every ΔT steps from begin to T_end, raise the sparsity along \( s_t = S\,(1 - (1 -
 * p)^3) \), \( p = (t - t_0)/(T_{end} - t_0) \), removing in each layer the active weights of
 * smallest magnitude until it holds the distribution's count for \( s_t \). Pruned weights never
 * return. Training cost falls as the network thins.
 */
public final class GmpUpdater extends SparseUpdater {
    private long beginStep;
    private long endStep;

    /**
     * Creates the updater.
     *
     * @param config run configuration
     */
    public GmpUpdater(TrainConfig config) {
        super(config);
    }

    @Override
    public String name() {
        return "gmp";
    }

    @Override
    public void onTrainingBegin(RunContext run) {
        long total = (long) run.stepsPerEpoch() * run.config().epochs;
        beginStep = Math.round(config.beginFraction * total);
        endStep = Math.round(config.endFraction * total);
        super.onTrainingBegin(run);
    }

    @Override
    protected Map<String, boolean[]> initialMasks(List<LayerSpec> layers) {
        return denseMasks(layers);
    }

    /**
     * Returns the scheduled sparsity of a step.
     *
     * @param step global step
     * @return s_t
     */
    public double sparsityAt(long step) {
        if (step < beginStep) {
            return 0;
        }
        double p = Math.min(1.0, (double) (step - beginStep) / Math.max(1, endStep - beginStep));
        return config.sparsity * (1 - Math.pow(1 - p, 3));
    }

    /** Dense before the ramp; then the count of the last update at or before the step. */
    @Override
    public LayerAllocation requiredAllocation(long step) {
        if (step < beginStep) {
            return allocate(prunableLayers(), 0);
        }
        long last =
                step >= endStep
                        ? endStep
                        : beginStep
                                + (step - beginStep)
                                        / config.updateInterval
                                        * config.updateInterval;
        return allocate(prunableLayers(), sparsityAt(last));
    }

    @Override
    public void afterOptimizerStep(StepContext step) {
        long t = step.step();
        // Every ΔT steps from begin, and once more exactly at T_end so the ramp ends on the target.
        boolean update =
                t >= beginStep
                        && t <= endStep
                        && ((t - beginStep) % config.updateInterval == 0 || t == endStep);
        if (update) {
            pruneByMagnitudeTo(allocate(prunableLayers(), sparsityAt(t)));
            run.setDensities(currentAllocation().densities());
        }
        super.afterOptimizerStep(step);
    }
}
