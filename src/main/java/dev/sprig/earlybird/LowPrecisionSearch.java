package dev.sprig.earlybird;

import ai.djl.ndarray.NDArray;
import dev.sprig.SeedStream;
import dev.sprig.models.HostValues;
import dev.sprig.models.NamedParameter;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainingHook;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Early-Bird's low-precision search ("EB Train LL"): weights, gradients and momentum are kept in
 * 8-bit block floating point with stochastic rounding during the search phase. Gradients are
 * quantised after the backward pass (after the slimming penalty when this hook follows it), weights
 * and momentum after every optimiser step, so the forward pass always sees quantised weights.
 *
 * <p>Activations are quantised inside the network ({@code BlockFloatActivations} after every ReLU,
 * built when {@code eb_low_precision} is set). Not quantised, unlike the anchor: the errors flowing
 * backwards between layers, because DJL's Java API offers no custom backward function to quantise
 * them with. The FLOP accounting is unchanged (FLOPs do not depend on precision); the anchor's
 * energy savings come from an 8-bit hardware model Sprig does not have.
 */
public final class LowPrecisionSearch implements TrainingHook {
    private final BlockFloatingPoint format;
    private final SeedStream seeds;

    /**
     * Creates the hook.
     *
     * @param wordLength mantissa bits (8)
     * @param seed run seed, for the rounding noise
     */
    public LowPrecisionSearch(int wordLength, long seed) {
        this.format = new BlockFloatingPoint(wordLength);
        this.seeds = new SeedStream(seed);
    }

    private void quantize(NDArray a, SplittableRandom r) {
        float[] v = a.toFloatArray();
        long[] shape = a.getShape().getShape();
        int blocks = shape.length == 0 ? 1 : (int) shape[0];
        format.quantize(v, blocks, r);
        HostValues.write(a, v);
    }

    /**
     * Quantises a gradient in place through engine arithmetic. {@code set} would hand the tensor a
     * Java buffer that lives only as long as this short-lived gradient handle: once the step's
     * manager closes it, the parameter's gradient would point at freed memory.
     */
    private void quantizeGradient(NDArray g, SplittableRandom r, ai.djl.ndarray.NDManager step) {
        float[] v = g.toFloatArray();
        long[] shape = g.getShape().getShape();
        format.quantize(v, shape.length == 0 ? 1 : (int) shape[0], r);
        g.muli(0).addi(step.create(v, g.getShape()));
    }

    @Override
    public void afterBackward(StepContext step) {
        List<NamedParameter> params = step.run().model().trainableParameters();
        for (int i = 0; i < params.size(); i++) {
            NDArray g = params.get(i).array().getGradient();
            g.attach(step.manager());
            quantizeGradient(g, seeds.derive("bfp-grad", step.step(), i), step.manager());
        }
    }

    @Override
    public void afterOptimizerStep(StepContext step) {
        List<NamedParameter> params = step.run().model().trainableParameters();
        for (int i = 0; i < params.size(); i++) {
            NamedParameter p = params.get(i);
            quantize(p.array(), seeds.derive("bfp-weight", step.step(), i));
            NDArray v = step.run().optimizer().momentum().get(p.name());
            if (v != null) {
                quantize(v, seeds.derive("bfp-momentum", step.step(), i));
            }
        }
    }
}
