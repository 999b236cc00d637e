package dev.sprig.cost;

/**
 * Running totals of training FLOPs, next to what dense training of the same network would have cost
 * over the same steps. Both are checkpointed so a resumed run reports the whole run's cost.
 */
public final class FlopsLedger {
    private double trainFlops;
    private double denseTrainFlops;

    /**
     * Records one optimisation step.
     *
     * @param examples batch size of the step
     * @param stepFlopsPerExample what this step cost per example
     * @param denseStepFlopsPerExample what the dense network's step costs per example
     */
    public void record(int examples, long stepFlopsPerExample, long denseStepFlopsPerExample) {
        trainFlops += (double) examples * stepFlopsPerExample;
        denseTrainFlops += (double) examples * denseStepFlopsPerExample;
    }

    /**
     * Adds a one-off cost (a dense gradient for mask selection, an extra evaluation).
     *
     * @param flops FLOPs spent
     */
    public void recordExtra(double flops) {
        trainFlops += flops;
    }

    /**
     * Returns the FLOPs spent so far.
     *
     * @return training FLOPs
     */
    public double trainFlops() {
        return trainFlops;
    }

    /**
     * Returns what dense training would have spent over the same steps.
     *
     * @return dense training FLOPs
     */
    public double denseTrainFlops() {
        return denseTrainFlops;
    }

    /**
     * Restores totals from a checkpoint.
     *
     * @param train training FLOPs
     * @param dense dense training FLOPs
     */
    public void restore(double train, double dense) {
        this.trainFlops = train;
        this.denseTrainFlops = dense;
    }
}
