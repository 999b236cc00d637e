package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.sprig.Sprig;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed updates on a 4-weight layer, after DJL's OptimizerTest. */
class SgdOptimizerTest {
    private static final float[] W0 = {1, 2, 3, 4};
    private static final float[] C = {0.5f, -1, 2, 0};

    /** Takes {@code steps} steps with loss = Σ c·w, so the gradient of w is exactly c. */
    private static float[] run(SgdOptimizer opt, int steps, double lr) {
        try (SprigModel m = ModelZoo.create("lenet-300-100", 1, 2, 2, 0.001, Device.cpu(), 0, 1f)) {
            NamedParameter w = m.parameters().get("fc1.weight");
            assertThat(w.size()).isEqualTo(4);
            w.array().set(W0);
            for (int s = 0; s < steps; s++) {
                try (NDManager step = m.manager().newSubManager();
                        GradientCollector gc = Sprig.engine().newGradientCollector()) {
                    NDArray c = step.create(C).reshape(1, 4);
                    gc.backward(w.array().mul(c).sum());
                    gc.close();
                    opt.step(List.of(w), lr, step);
                    // Gradients are zeroed after the update: the next backward does not accumulate.
                    assertThat(w.array().getGradient().abs().sum().getFloat()).isZero();
                }
            }
            return w.array().toFloatArray();
        }
    }

    @Test
    void momentumWithWeightDecayMatchesHandComputation() {
        float[] got = run(new SgdOptimizer(0.9, false, 0.01), 2, 0.1);
        for (int i = 0; i < 4; i++) {
            double g1 = C[i] + 0.01 * W0[i];
            double v1 = g1;
            double w1 = W0[i] - 0.1 * v1;
            double g2 = C[i] + 0.01 * w1;
            double v2 = 0.9 * v1 + g2;
            double w2 = w1 - 0.1 * v2;
            assertThat((double) got[i]).isCloseTo(w2, within(1e-6));
        }
    }

    @Test
    void nesterovMatchesHandComputation() {
        float[] got = run(new SgdOptimizer(0.9, true, 0), 1, 0.1);
        for (int i = 0; i < 4; i++) {
            assertThat((double) got[i]).isCloseTo(W0[i] - 0.1 * (C[i] + 0.9 * C[i]), within(1e-6));
        }
    }

    @Test
    void plainSgdAndExposedMomentum() {
        SgdOptimizer opt = new SgdOptimizer(0, false, 0);
        float[] got = run(opt, 3, 0.5);
        for (int i = 0; i < 4; i++) {
            assertThat(got[i]).isCloseTo(W0[i] - 1.5f * C[i], within(1e-6f));
        }
        assertThat(opt.momentum()).isEmpty();
    }
}
