package dev.sprig.train;

import java.util.List;

/**
 * A method that is one ordinary training run: the {@link Trainer} loop with the method's hooks (the
 * unstructured-sparsity family). Ensembles train their members through this interface.
 */
public interface HookMethod extends Method {
    /**
     * Builds the method's hooks for one run.
     *
     * @param config the run's config
     * @return hooks in call order; empty for dense training
     * @throws dev.sprig.SprigException when the config does not suit the method
     */
    List<TrainingHook> hooks(TrainConfig config);

    /**
     * Trains one run with the {@link Trainer}, which picks the execution backend.
     *
     * @param run config, data and folder
     * @return the run's summary
     */
    @Override
    default RunSummary run(MethodRun run) {
        List<TrainingHook> hooks = hooks(run.config());
        RunFolder folder = RunFolder.open(run.dir(), run.mode());
        Trainer trainer =
                new Trainer(run.config(), run.data(), folder, hooks, run.resume())
                        .progress(run.progress());
        if (run.network() != null) {
            trainer.model(run.modelFactory(run.config()));
        }
        return trainer.chooseBackend().run();
    }
}
