package dev.sprig.epi;

import dev.sprig.models.SprigModel;
import dev.sprig.structured.CouplingGraph;
import dev.sprig.structured.Surgeon;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a channel's importance is scored, so that one global ranking can compare layers.
 *
 * <p>{@code L2_NORM} is the paper's magnitude criterion as a reimplementation citing its eq. (2)
 * gives it: ‖W_n‖₂ / √P with P the weights per output channel (anchors §7.1.2, §7.1.5); the
 * division makes layers comparable. {@code TAYLOR} is the first-order Taylor score on batch-norm
 * parameters of the authors' related HALP code ({@code prune/importance.py}): |γ·∂L/∂γ + β·∂L/∂β|,
 * averaged over the steps of an epoch; the paper's gradient criterion was not recoverable and this
 * stands in for it. {@code BN} is |γ| (network slimming), {@code L1} the mean absolute filter
 * weight (Li et al. 2017, normalised by P like L2_NORM).
 *
 * <p>Every score is finally divided by its layer's mean. Measured: without it the global ranking of
 * ‖W_n‖₂/√P on a VGG cut the four widest layers to one channel each (their Kaiming-initialised
 * weights are smaller), and every pruned network lost 30-55 points; the division keeps the ranking
 * global (widths still drift between layers, which EPI needs) while comparing channels to their own
 * layer's scale.
 */
public enum ChannelImportance {
    /** ‖W_n‖₂ / √P. */
    L2_NORM,
    /** |γ|. */
    BN,
    /** |γ·∂L/∂γ + β·∂L/∂β|, epoch average. */
    TAYLOR,
    /** Σ|W_n| / P. */
    L1;

    /**
     * Parses a config value.
     *
     * @param name l2norm, bn, taylor or l1
     * @return the criterion
     */
    public static ChannelImportance of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "l2norm" -> L2_NORM;
            case "bn" -> BN;
            case "taylor" -> TAYLOR;
            case "l1" -> L1;
            default -> throw new IllegalArgumentException("unknown importance " + name);
        };
    }

    /**
     * Whether the criterion needs gradients (and so an epoch of accumulation).
     *
     * @return true for Taylor
     */
    public boolean needsGradients() {
        return this == TAYLOR;
    }

    /**
     * The paper's default threshold τ for this kind of criterion (reimplementation, anchors
     * §7.1.2).
     *
     * @return 0.944 for the gradient criterion, 0.983 for magnitude ones
     */
    public double defaultTau() {
        return this == TAYLOR ? 0.944 : 0.983;
    }

    /**
     * Scores every channel of every prunable group.
     *
     * @param model the model
     * @param taylor accumulated Taylor scores by batch-norm name (used by {@code TAYLOR} only)
     * @return score per channel, by group batch-norm name, in model order
     */
    public Map<String, float[]> scores(SprigModel model, Map<String, float[]> taylor) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (CouplingGraph.ChannelGroup g : Surgeon.groups(model.ops())) {
            float[] s = new float[g.channels()];
            switch (this) {
                case BN -> {
                    float[] gamma =
                            model.parameters().get(g.bn() + ".gamma").array().toFloatArray();
                    for (int c = 0; c < s.length; c++) {
                        s[c] = Math.abs(gamma[c]);
                    }
                }
                case TAYLOR -> System.arraycopy(taylor.get(g.bn()), 0, s, 0, s.length);
                default -> {
                    float[] w = model.parameters().get(g.conv() + ".weight").array().toFloatArray();
                    int per = w.length / s.length;
                    for (int c = 0; c < s.length; c++) {
                        double acc = 0;
                        for (int i = c * per; i < (c + 1) * per; i++) {
                            acc += this == L1 ? Math.abs(w[i]) : (double) w[i] * w[i];
                        }
                        s[c] = (float) (this == L1 ? acc / per : Math.sqrt(acc) / Math.sqrt(per));
                    }
                }
            }
            double mean = 0;
            for (float v : s) {
                mean += v;
            }
            mean /= s.length;
            for (int c = 0; c < s.length; c++) {
                s[c] = mean > 0 ? (float) (s[c] / mean) : 1f;
            }
            out.put(g.bn(), s);
        }
        return out;
    }
}
