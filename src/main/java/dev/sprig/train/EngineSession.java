package dev.sprig.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.sprig.cost.LayerDensities;
import dev.sprig.data.BatchSource;
import dev.sprig.data.ImageSet;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The engine's masked-dense backend: the DJL model computes every step, and the method acts through
 * its {@link TrainingHook}s around it (masks, penalties, triggers). Each step runs in its own
 * sub-manager, so memory stays flat over long runs.
 *
 * <p>Its checkpoint section ({@link Checkpoint.EngineState}) holds the parameters, the optimiser's
 * momentum and one section per stateful hook, in the layout of checkpoint version 1, so version-1
 * checkpoints still load.
 */
final class EngineSession implements TrainingSession {
    private final RunSetup setup;
    private final SprigModel model;
    private final SgdOptimizer optimizer;
    private final List<TrainingHook> hooks;
    private final RunContext run;
    private final List<NamedParameter> params;
    private final Engine engine;
    private final Checkpoint.EngineState state;
    private final TruncatedBptt bptt;

    EngineSession(RunSetup setup, List<TrainingHook> hooks, Function<Device, SprigModel> factory) {
        this.setup = setup;
        this.hooks = hooks;
        TrainConfig config = setup.config();
        this.engine = dev.sprig.Sprig.engine();
        // Only engine-side randomness (low-precision rounding noise) uses this; every other draw is
        // Sprig's own.
        engine.setRandomSeed((int) (config.seed ^ (config.seed >>> 32)));
        this.model =
                factory != null
                        ? factory.apply(setup.device())
                        : Trainer.buildModel(config, setup.data().train(), setup.device());
        this.optimizer = new SgdOptimizer(config.momentum, config.nesterov, config.weightDecay);
        if (config.initFrom != null && !config.initFrom.isBlank()) {
            // Before any hook sees the model: masks and scores start from these weights. A resumed
            // run's checkpoint replaces them afterwards.
            Checkpoint.loadWeights(Checkpoint.ofRun(Path.of(config.initFrom)), model);
        }
        this.run =
                new RunContext(
                        config,
                        model,
                        optimizer,
                        setup.ledger(),
                        setup.cost(),
                        setup.stepsPerEpoch());
        this.params = model.trainableParameters();
        this.state = new Checkpoint.EngineState(model, optimizer, hooks);
        this.bptt = TruncatedBptt.applies(model) ? new TruncatedBptt(model) : null;
    }

    @Override
    public void read(DataInputStream in) throws IOException {
        state.read(in);
        if (bptt != null) {
            bptt.read(in);
        }
    }

    @Override
    public void write(DataOutputStream out) throws IOException {
        state.write(out);
        if (bptt != null) {
            bptt.write(out); // after the version-1 layout, which stays readable
        }
    }

    @Override
    public void begin() {
        for (TrainingHook h : hooks) {
            h.onTrainingBegin(run);
        }
    }

    @Override
    public StepResult step(long step, int epoch, int index, BatchSource.Batch batch, double lr) {
        try (NDManager sub = model.manager().newSubManager()) {
            StepContext ctx = new StepContext(run, sub, step, epoch, index, lr, batch.size());
            for (TrainingHook h : hooks) {
                h.beforeForward(ctx);
            }
            double smoothing = setup.config().labelSmoothing;
            NDArray loss;
            long correct;
            if (bptt != null) {
                TruncatedBptt.Forward f;
                try (GradientCollector gc = engine.newGradientCollector()) {
                    f = bptt.train(sub, batch, index, smoothing);
                    loss = f.loss();
                    gc.backward(loss);
                }
                // In windows, as the trainer counts examples: correct tokens over window length.
                correct = Math.round((double) f.correctTokens() * batch.size() / f.tokens());
            } else {
                ImageSet s = setup.data().train();
                NDArray x =
                        sub.create(
                                batch.images(),
                                new Shape(batch.size(), s.channels(), s.height(), s.width()));
                NDArray y = sub.create(Evaluation.toLong(batch.labels()));
                NDArray logits;
                try (GradientCollector gc = engine.newGradientCollector()) {
                    logits = model.forward(x, true);
                    loss = Losses.crossEntropy(logits, y, smoothing);
                    gc.backward(loss);
                }
                correct = Losses.correct(logits, y);
            }
            double stepLoss = loss.getFloat();
            if (!Double.isFinite(stepLoss)) {
                return new StepResult(stepLoss, 0, false); // the trainer stops the run
            }
            for (TrainingHook h : hooks) {
                h.afterBackward(ctx);
            }
            if (setup.config().clipNorm > 0) {
                clipGradients(sub, setup.config().clipNorm);
            }
            if (!ctx.optimizerStepSkipped()) {
                optimizer.step(params, lr, sub);
            } else {
                zeroGradients(sub);
            }
            for (TrainingHook h : hooks) {
                h.afterOptimizerStep(ctx);
            }
            return new StepResult(stepLoss, correct, ctx.denseWeightGradientCharged());
        }
    }

    /**
     * Scales every gradient by {@code max / norm} when their global L2 norm exceeds {@code max}
     * (gradient clipping by global norm, as recurrent models are usually trained).
     */
    private void clipGradients(NDManager sub, double max) {
        java.util.List<NDArray> grads = new java.util.ArrayList<>();
        double sq = 0;
        for (NamedParameter p : params) {
            NDArray g = p.array().getGradient();
            g.attach(sub);
            grads.add(g);
            sq += g.square().sum().getFloat();
        }
        double norm = Math.sqrt(sq);
        if (norm > max) {
            float scale = (float) (max / norm);
            for (NDArray g : grads) {
                g.muli(scale);
            }
        }
    }

    private void zeroGradients(NDManager sub) {
        for (NamedParameter p : params) {
            NDArray g = p.array().getGradient();
            g.attach(sub);
            g.muli(0);
        }
    }

    @Override
    public Evaluation evaluate(BatchSource source) {
        return bptt != null ? bptt.evaluate(source) : Evaluation.of(model, source);
    }

    @Override
    public List<LayerSpec> layers() {
        return model.layers();
    }

    @Override
    public LayerDensities densities() {
        return run.densities();
    }

    @Override
    public long parameterCount() {
        return model.parameterCount();
    }

    @Override
    public double sparsity() {
        LayerDensities d = run.densities();
        long prunable = 0;
        double nonzero = 0;
        for (NamedParameter w : model.prunableWeights()) {
            prunable += w.size();
            nonzero += w.size() * d.of(w.layer().name());
        }
        return prunable == 0 ? 0 : 1 - nonzero / prunable;
    }

    @Override
    public void epochEnd(int epoch, EpochMetrics metrics, Map<String, Object> extra) {
        EpochContext ctx = new EpochContext(run, epoch, metrics, extra);
        for (TrainingHook h : hooks) {
            h.onEpochEnd(ctx);
        }
    }

    @Override
    public boolean stopRequested() {
        return run.stopRequested();
    }

    @Override
    public void end(Map<String, Object> summaryExtra) {
        for (TrainingHook h : hooks) {
            h.onTrainingEnd(run);
        }
        summaryExtra.putAll(run.summaryExtra());
    }

    @Override
    public String device() {
        return model.device().toString();
    }

    @Override
    public void close() {
        model.close();
    }
}
