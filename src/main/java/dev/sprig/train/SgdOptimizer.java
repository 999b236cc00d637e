package dev.sprig.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.sprig.models.NamedParameter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, Nesterov and L2 weight decay, PyTorch semantics: \( g
 * \leftarrow \nabla + \lambda w,\; v \leftarrow \mu v + g,\; w \leftarrow w - \eta (g + \mu v) \)
 * with Nesterov, \( w \leftarrow w - \eta v \) without.
 *
 * <p>Sprig has its own optimiser because DJL's built-in {@code Sgd} keeps its momentum private,
 * while sparse methods must read and reset the momentum of individual weights (zeroing it for
 * regrown connections) and carry it through network surgery. The buffers are exposed by parameter
 * name through {@link #momentum()}; they live on the model's manager.
 */
public final class SgdOptimizer {
    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();

    /**
     * Creates the optimiser.
     *
     * @param momentum μ in [0, 1)
     * @param nesterov whether to use Nesterov momentum
     * @param weightDecay L2 coefficient λ
     */
    public SgdOptimizer(double momentum, boolean nesterov, double weightDecay) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    /**
     * Applies one update to every parameter from its accumulated gradient, then zeroes the
     * gradient. Temporaries go to {@code step}, which the caller closes.
     *
     * @param params trainable parameters
     * @param lr learning rate η
     * @param step the manager of this step's temporaries
     */
    public void step(List<NamedParameter> params, double lr, NDManager step) {
        for (NamedParameter p : params) {
            NDArray w = p.array();
            NDArray grad = w.getGradient();
            grad.attach(step);
            // Engine results attach to the first operand's manager: every temporary derived from a
            // model-owned array is moved to the step manager explicitly, or it would leak.
            NDArray g = weightDecay > 0 ? grad.add(temp(w.mul(weightDecay), step)) : grad;
            NDArray direction = g;
            if (momentum > 0) {
                NDArray v = buffers.get(p.name());
                if (v == null) {
                    // PyTorch initialises the buffer with the first gradient.
                    v = g.duplicate();
                    v.attach(w.getManager());
                    buffers.put(p.name(), v);
                } else {
                    v.muli(momentum).addi(g);
                }
                direction = nesterov ? g.add(temp(v.mul(momentum), step)) : v;
            }
            w.subi(temp(direction.mul(lr), step));
            grad.muli(0);
        }
    }

    private static NDArray temp(NDArray a, NDManager step) {
        a.attach(step);
        return a;
    }

    /**
     * Returns the momentum buffers by parameter name. Sparse methods may edit them in place (for
     * example zero the entries of regrown weights); surgery may replace them with slices.
     *
     * @return the live, modifiable map
     */
    public Map<String, NDArray> momentum() {
        return buffers;
    }

    /**
     * Returns a read-only copy of the buffers' values, for checkpoints.
     *
     * @return name to values
     */
    public Map<String, float[]> snapshot() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : buffers.entrySet()) {
            out.put(e.getKey(), e.getValue().toFloatArray());
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Restores buffers from a checkpoint.
     *
     * @param values name to values
     * @param params the model's parameters, for shapes and managers
     */
    public void restore(Map<String, float[]> values, Map<String, NamedParameter> params) {
        for (NDArray b : buffers.values()) {
            b.close();
        }
        buffers.clear();
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            NamedParameter p = params.get(e.getKey());
            if (p == null) {
                throw new dev.sprig.SprigException(
                        "checkpoint has momentum for unknown parameter " + e.getKey());
            }
            if (p.size() != e.getValue().length) {
                throw new dev.sprig.SprigException(
                        "checkpoint has "
                                + e.getValue().length
                                + " momentum values for "
                                + e.getKey()
                                + ", which has "
                                + p.size());
            }
            NDArray w = p.array();
            NDArray v = w.getManager().create(e.getValue(), w.getShape());
            buffers.put(e.getKey(), v);
        }
    }
}
