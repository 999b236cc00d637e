package dev.sprig.earlybird;

import ai.djl.ndarray.NDArray;
import dev.sprig.models.NamedParameter;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainingHook;

/**
 * Network slimming's sparsity regulariser (Liu et al. 2017, as the Early-Bird code applies it in
 * {@code updateBN()}): after every backward pass each batch-norm scale's gradient gets the L1
 * sub-gradient λ·sign(γ), which drives unimportant channels' scales towards zero so that |γ| ranks
 * channels.
 */
public final class SlimmingPenalty implements TrainingHook {
    private final double lambda;

    /**
     * Creates the penalty.
     *
     * @param lambda λ (the anchor's {@code --s}, 1e-4)
     */
    public SlimmingPenalty(double lambda) {
        this.lambda = lambda;
    }

    @Override
    public void afterBackward(StepContext step) {
        if (lambda == 0) {
            return;
        }
        for (NamedParameter gamma : step.run().model().batchNormScales()) {
            NDArray g = gamma.array().getGradient();
            g.attach(step.manager());
            NDArray sign = gamma.array().sign();
            sign.attach(step.manager());
            NDArray scaled = sign.mul((float) lambda);
            scaled.attach(step.manager());
            g.addi(scaled);
        }
    }
}
