package dev.sprig.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Extension points of the training loop, called in this order for every step: {@link
 * #beforeForward}, {@link #afterBackward}, optimiser step (unless a hook skipped it), {@link
 * #afterOptimizerStep}; then {@link #onEpochEnd} after each epoch's evaluation.
 *
 * <p>Masks, the batch-norm L1 penalty, stability triggers and surgery are all hooks. A hook with
 * state that must survive a resume returns a {@link #stateKey()} and writes and reads its state;
 * the trainer stores it in the checkpoint.
 */
public interface TrainingHook {
    /**
     * Called once before the first step (also after a resume).
     *
     * @param run the run
     */
    default void onTrainingBegin(RunContext run) {}

    /**
     * Called before the forward pass of a step.
     *
     * @param step the step
     */
    default void beforeForward(StepContext step) {}

    /**
     * Called after gradients exist and before the optimiser uses them: the place to edit gradients
     * (L1 penalty, gradient masks) or to skip the update.
     *
     * @param step the step
     */
    default void afterBackward(StepContext step) {}

    /**
     * Called after the optimiser step: the place to re-apply masks or update topology.
     *
     * @param step the step
     */
    default void afterOptimizerStep(StepContext step) {}

    /**
     * Called at the end of an epoch, after evaluation. Values put into {@code epoch.extra()} are
     * written to {@code metrics.jsonl}.
     *
     * @param epoch the epoch's figures
     */
    default void onEpochEnd(EpochContext epoch) {}

    /**
     * Called once after the last epoch. Values put into {@code run.summaryExtra()} go to {@code
     * summary.json}.
     *
     * @param run the run
     */
    default void onTrainingEnd(RunContext run) {}

    /**
     * Returns the key under which this hook's state is checkpointed, or null if it has none.
     *
     * @return a stable key, unique among the run's hooks
     */
    default String stateKey() {
        return null;
    }

    /**
     * Writes this hook's state.
     *
     * @param out the checkpoint stream
     * @throws IOException on write failure
     */
    default void saveState(DataOutputStream out) throws IOException {}

    /**
     * Reads this hook's state, as written by {@link #saveState}.
     *
     * @param in the checkpoint stream
     * @throws IOException on read failure
     */
    default void loadState(DataInputStream in) throws IOException {}
}
