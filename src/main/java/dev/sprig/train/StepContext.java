package dev.sprig.train;

import ai.djl.ndarray.NDManager;

/**
 * One optimiser step as hooks see it.
 *
 * <p>Arrays created through {@link #manager()} are freed when the step ends.
 */
public final class StepContext {
    private final RunContext run;
    private final NDManager manager;
    private final long step;
    private final int epoch;
    private final int batch;
    private final double lr;
    private final int batchSize;
    private boolean skipOptimizerStep;
    private boolean denseWeightGradient;

    StepContext(
            RunContext run,
            NDManager manager,
            long step,
            int epoch,
            int batch,
            double lr,
            int batchSize) {
        this.run = run;
        this.manager = manager;
        this.step = step;
        this.epoch = epoch;
        this.batch = batch;
        this.lr = lr;
        this.batchSize = batchSize;
    }

    /**
     * Returns the run.
     *
     * @return the run context
     */
    public RunContext run() {
        return run;
    }

    /**
     * Returns the manager of this step's temporaries.
     *
     * @return a sub-manager closed after the step
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * Returns the global optimiser step, from 0.
     *
     * @return the step
     */
    public long step() {
        return step;
    }

    /**
     * Returns the epoch, from 0.
     *
     * @return the epoch
     */
    public int epoch() {
        return epoch;
    }

    /**
     * Returns the batch index within the epoch.
     *
     * @return the batch
     */
    public int batch() {
        return batch;
    }

    /**
     * Returns this step's learning rate.
     *
     * @return the rate
     */
    public double lr() {
        return lr;
    }

    /**
     * Returns the number of examples in this step's batch.
     *
     * @return batch size
     */
    public int batchSize() {
        return batchSize;
    }

    /** Skips the optimiser update of this step (RigL skips it on mask-update steps). */
    public void skipOptimizerStep() {
        this.skipOptimizerStep = true;
    }

    /**
     * Whether a hook skipped the optimiser update.
     *
     * @return true when skipped
     */
    public boolean optimizerStepSkipped() {
        return skipOptimizerStep;
    }

    /**
     * Charges this step's weight gradient as dense (RigL computes it for all weights on update
     * steps).
     */
    public void chargeDenseWeightGradient() {
        this.denseWeightGradient = true;
    }

    /**
     * Whether this step's weight gradient is charged as dense.
     *
     * @return true when dense
     */
    public boolean denseWeightGradientCharged() {
        return denseWeightGradient;
    }
}
