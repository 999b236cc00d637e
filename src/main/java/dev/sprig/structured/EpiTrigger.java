package dev.sprig.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * EPI, the Early Pruning Indicator (Shen et al., CVPR 2022, "When to Prune?"), over per-layer
 * channel counts of the dominant sub-network:
 *
 * <ul>
 *   <li>ψ(A, B) = 1 − (1/L) Σ_l |n_l^A − n_l^B| / (n_l^A + n_l^B) (the paper's eqs. 4–5);
 *   <li>EPI_t = (1/r) Σ_{j=1..r} ψ(A_t, A_{t−j}) (eq. 6), defined once r earlier architectures
 *       exist;
 *   <li>fire when EPI_t > τ and EPI_t exceeds each of its last {@code window} values (strictly, as
 *       the paper-notes source states; non-strict as an option).
 * </ul>
 *
 * The paper body was not recoverable ({@code anchors.md} §7.1): the equations and the defaults r =
 * 20, τ = 0.983 (magnitude importance) / 0.944 (gradient importance) come from a public
 * reimplementation that cites them; the monotonicity window 5 from a paper-notes summary. They are
 * therefore all parameters, and r = 20 per epoch would forbid pruning before epoch 21 on short
 * schedules, so callers pick r to suit their schedule.
 */
public final class EpiTrigger implements StabilityTrigger<int[]> {
    private final int r;
    private final double tau;
    private final int window;
    private final boolean strict;
    private final List<int[]> history = new ArrayList<>();
    private final List<Double> epi = new ArrayList<>();
    private int firedAt = -1;

    /**
     * Creates the trigger.
     *
     * @param r number of past architectures EPI averages over (≥ 1)
     * @param tau threshold EPI must exceed
     * @param window EPI must exceed each of its previous {@code window} values (0 = no check)
     * @param strict use "&gt;" (true) or "≥" for the monotonicity check
     */
    public EpiTrigger(int r, double tau, int window, boolean strict) {
        if (r < 1 || window < 0) {
            throw new IllegalArgumentException(
                    "need r >= 1 and window >= 0, got r=" + r + ", window=" + window);
        }
        this.r = r;
        this.tau = tau;
        this.window = window;
        this.strict = strict;
    }

    /**
     * Architecture similarity ψ of two per-layer width vectors.
     *
     * @param a channel counts per layer
     * @param b channel counts per layer, same layers
     * @return ψ in [0, 1], 1 for identical widths
     */
    public static double psi(int[] a, int[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException(
                    "architectures must list the same, non-zero number of layers");
        }
        double d = 0;
        for (int l = 0; l < a.length; l++) {
            int s = a[l] + b[l];
            d += s == 0 ? 0 : Math.abs(a[l] - b[l]) / (double) s;
        }
        return 1 - d / a.length;
    }

    @Override
    public boolean observe(int[] architecture) {
        int t = history.size();
        history.add(architecture.clone());
        if (t < r) {
            epi.add(Double.NaN);
            return false;
        }
        double sum = 0;
        for (int j = 1; j <= r; j++) {
            sum += psi(architecture, history.get(t - j));
        }
        double value = sum / r;
        epi.add(value);
        if (firedAt >= 0 || !(value > tau)) {
            return false;
        }
        for (int j = 1; j <= window; j++) {
            if (t - j < 0) {
                return false;
            }
            double previous = epi.get(t - j);
            if (Double.isNaN(previous) || (strict ? !(value > previous) : !(value >= previous))) {
                return false;
            }
        }
        firedAt = t;
        return true;
    }

    @Override
    public int firedAt() {
        return firedAt;
    }

    /**
     * Returns EPI for every observation so far (NaN before r architectures existed).
     *
     * @return the series
     */
    public List<Double> series() {
        return List.copyOf(epi);
    }
}
