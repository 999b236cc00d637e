package dev.sprig.train;

import dev.sprig.cost.LayerDensities;
import dev.sprig.data.BatchSource;
import dev.sprig.models.LayerSpec;
import java.util.List;
import java.util.Map;

/**
 * One run on one execution backend: the network and everything that trains it (optimiser state, the
 * method's masks and scores). The {@link Trainer} owns the loop around it (epochs, batches,
 * learning rate, FLOPs ledger, metrics, best-validation and periodic checkpoints, summary), so
 * resume, progress, metrics and summaries behave the same on every backend; a session answers only
 * what differs: how a step, an evaluation and a checkpoint {@link Checkpoint.Section} are computed
 * ({@link #read} restores it before {@link #begin}).
 */
public interface TrainingSession extends Checkpoint.Section, AutoCloseable {
    /** What one training step produced. */
    record StepResult(double loss, long correct, boolean denseWeightGradient) {}

    /** Starts training: called once, after {@link #read} when the run resumes. */
    void begin();

    /**
     * Trains on one batch: forward, backward, the method's updates and the optimiser step.
     *
     * @param step global step, from 0
     * @param epoch 0-based epoch
     * @param index batch index within the epoch
     * @param batch the batch
     * @param lr this step's learning rate
     * @return the batch's loss (before the update), correct predictions and whether the step
     *     computed a dense weight gradient (cost accounting)
     */
    StepResult step(long step, int epoch, int index, BatchSource.Batch batch, double lr);

    /**
     * Evaluates the network on a data source.
     *
     * @param source evaluation batches
     * @return loss and accuracy
     */
    Evaluation evaluate(BatchSource source);

    /**
     * Returns the network's layers as the cost model sees them.
     *
     * @return the layers
     */
    List<LayerSpec> layers();

    /**
     * Returns the current density of each prunable layer.
     *
     * @return densities
     */
    LayerDensities densities();

    /**
     * Returns the number of parameters of the (dense) network.
     *
     * @return parameters
     */
    long parameterCount();

    /**
     * Returns the fraction of prunable weights that are zero.
     *
     * @return sparsity in [0, 1]
     */
    double sparsity();

    /**
     * Adds the backend's and method's values to an epoch's metrics line.
     *
     * @param epoch 0-based epoch
     * @param metrics the epoch's figures
     * @param extra values to add to its line of {@code metrics.jsonl}
     */
    void epochEnd(int epoch, EpochMetrics metrics, Map<String, Object> extra);

    /**
     * Returns the text appended to the progress line of an epoch (e.g. {@code ", sparse path"}).
     *
     * @return the text, may be empty
     */
    default String progressLabel() {
        return "";
    }

    /**
     * Says whether the method asked the run to stop after the current epoch.
     *
     * @return true to stop
     */
    boolean stopRequested();

    /**
     * Adds the backend's and method's values to {@code summary.json}.
     *
     * @param summaryExtra the summary's extra values
     */
    void end(Map<String, Object> summaryExtra);

    /**
     * Returns the device the session computes on, for the summary.
     *
     * @return the device's name
     */
    String device();

    @Override
    void close();
}
