package dev.sprig.train;

import dev.sprig.cost.CostModel;
import dev.sprig.cost.FlopsLedger;
import dev.sprig.cost.LayerDensities;
import dev.sprig.models.SprigModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What hooks can see and change for the whole run: the model, the optimiser, the cost ledger and
 * the current layer densities (which sparse methods set so that cost accounting follows them).
 */
public final class RunContext {
    private final TrainConfig config;
    private final SprigModel model;
    private final SgdOptimizer optimizer;
    private final FlopsLedger ledger;
    private final CostModel cost;
    private final int stepsPerEpoch;
    private LayerDensities densities = LayerDensities.DENSE;
    private final Map<String, Object> summaryExtra = new LinkedHashMap<>();

    RunContext(
            TrainConfig config,
            SprigModel model,
            SgdOptimizer optimizer,
            FlopsLedger ledger,
            CostModel cost,
            int stepsPerEpoch) {
        this.config = config;
        this.model = model;
        this.optimizer = optimizer;
        this.ledger = ledger;
        this.cost = cost;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /**
     * Returns the resolved configuration.
     *
     * @return the config
     */
    public TrainConfig config() {
        return config;
    }

    /**
     * Returns the model being trained.
     *
     * @return the model
     */
    public SprigModel model() {
        return model;
    }

    /**
     * Returns the optimiser, whose momentum buffers hooks may edit.
     *
     * @return the optimiser
     */
    public SgdOptimizer optimizer() {
        return optimizer;
    }

    /**
     * Returns the training-FLOPs ledger.
     *
     * @return the ledger
     */
    public FlopsLedger ledger() {
        return ledger;
    }

    /**
     * Returns the cost model.
     *
     * @return the cost model
     */
    public CostModel cost() {
        return cost;
    }

    /**
     * Returns the number of optimiser steps per epoch.
     *
     * @return steps per epoch
     */
    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /**
     * Returns the density of each prunable layer, as cost accounting sees it.
     *
     * @return the densities
     */
    public LayerDensities densities() {
        return densities;
    }

    /**
     * Sets the densities that cost accounting uses from the next step on.
     *
     * @param densities the densities
     */
    public void setDensities(LayerDensities densities) {
        this.densities = densities;
    }

    /**
     * Returns extra values for {@code summary.json}.
     *
     * @return a modifiable map
     */
    public Map<String, Object> summaryExtra() {
        return summaryExtra;
    }

    private boolean stopRequested;

    /**
     * Asks the trainer to stop after the current epoch (its checkpoint and metrics are written
     * first): how a search that has found what it looked for, such as an Early-Bird ticket, ends.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Whether a hook asked the run to stop.
     *
     * @return true after {@link #requestStop()}
     */
    public boolean stopRequested() {
        return stopRequested;
    }
}
