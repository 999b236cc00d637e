package dev.sprig.sparse.exec;

/**
 * The inner loops of the sparse path, over rows of length {@code n} stored contiguously
 * (activations are feature-major: one batch-length row per feature).
 *
 * <p>Four stored weights of one row are processed together, so the output row is loaded and stored
 * once per four multiply-adds (forward, input gradient) and the shared gradient row once per four
 * dot products (weight gradient): the loops are load-bound, not FLOP-bound. When the JVM has {@code
 * jdk.incubator.vector} ({@code --add-modules jdk.incubator.vector}, set by the launcher and the
 * test runner) the loops run on {@link VectorKernels}; otherwise on the plain loops here, which C2
 * vectorises except for the reductions. {@code -Dsprig.vector=false} forces the plain loops (to
 * measure the difference).
 */
final class Kernels {
    /** Whether the SIMD kernels are in use. */
    static final boolean VECTOR =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    && !"false".equals(System.getProperty("sprig.vector"));

    private Kernels() {}

    /** y[yOff..+n) += a · x[xOff..+n). */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        if (VECTOR) {
            VectorKernels.axpy(a, x, xOff, y, yOff, n);
            return;
        }
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a * x[xOff + j];
        }
    }

    /** y[yOff..+n) += Σ a_i · x[o_i..+n) for four rows of x. */
    static void axpy4(
            float a0,
            float a1,
            float a2,
            float a3,
            float[] x,
            int o0,
            int o1,
            int o2,
            int o3,
            float[] y,
            int yOff,
            int n) {
        if (VECTOR) {
            VectorKernels.axpy4(a0, a1, a2, a3, x, o0, o1, o2, o3, y, yOff, n);
            return;
        }
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a0 * x[o0 + j] + a1 * x[o1 + j] + a2 * x[o2 + j] + a3 * x[o3 + j];
        }
    }

    /** Σ x[xOff+j] · y[yOff+j] over j < n. */
    static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        if (VECTOR) {
            return VectorKernels.dot(x, xOff, y, yOff, n);
        }
        float s = 0;
        for (int j = 0; j < n; j++) {
            s += x[xOff + j] * y[yOff + j];
        }
        return s;
    }

    /** out[outOff + i] = dot(g[gOff..+n), x[o_i..+n)) for four rows of x. */
    static void dot4(
            float[] g,
            int gOff,
            float[] x,
            int o0,
            int o1,
            int o2,
            int o3,
            int n,
            float[] out,
            int outOff) {
        if (VECTOR) {
            VectorKernels.dot4(g, gOff, x, o0, o1, o2, o3, n, out, outOff);
            return;
        }
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int j = 0; j < n; j++) {
            float gj = g[gOff + j];
            s0 += gj * x[o0 + j];
            s1 += gj * x[o1 + j];
            s2 += gj * x[o2 + j];
            s3 += gj * x[o3 + j];
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    /**
     * out[outOff..+n) = init + Σ_k w[k] · src[base + off[k]..+n) over k in [from, to): a sparse row
     * times gathered rows, summed in registers (the convolution's inner loop; one load per
     * multiply-add, against two loads and a store for {@link #axpy}). Entries are summed in the
     * order given, with fused multiply-adds on both paths, so the two paths agree bit for bit.
     */
    static void gather(
            float[] w,
            int[] off,
            int from,
            int to,
            float[] src,
            int base,
            float[] out,
            int outOff,
            int n,
            float init) {
        if (VECTOR) {
            VectorKernels.gather(w, off, from, to, src, base, out, outOff, n, init);
            return;
        }
        for (int j = 0; j < n; j++) {
            float a = init;
            for (int k = from; k < to; k++) {
                a = Math.fma(src[base + off[k] + j], w[k], a);
            }
            out[outOff + j] = a;
        }
    }

    /** Σ x[off..off+n), in index order (the MLP's bias gradient; its figures depend on it). */
    static float sum(float[] x, int off, int n) {
        float s = 0;
        for (int j = 0; j < n; j++) {
            s += x[off + j];
        }
        return s;
    }

    /**
     * Σ (x − shift) and Σ (x − shift)² over {@code x[off..off+n)}, into {@code sums}: one read of
     * the values for both of batch norm's statistics (a shift near the mean keeps the squares from
     * cancelling).
     */
    static void deviationSums(float[] x, int off, int n, float shift, float[] sums) {
        if (VECTOR) {
            VectorKernels.deviationSums(x, off, n, shift, sums);
            return;
        }
        sums[0] = 0f;
        sums[1] = 0f;
        deviationSumsFrom(0, x, off, n, shift, sums);
    }

    /**
     * The scalar loop of {@link #deviationSums} from element {@code from} on, adding to the sums
     * already in {@code sums} (the vector lanes' totals, or zeros).
     */
    static void deviationSumsFrom(int from, float[] x, int off, int n, float shift, float[] sums) {
        float s1 = sums[0];
        float s2 = sums[1];
        for (int j = from; j < n; j++) {
            float d = x[off + j] - shift;
            s1 += d;
            s2 += d * d;
        }
        sums[0] = s1;
        sums[1] = s2;
    }

    /**
     * Batch norm of one channel, with the ReLU that follows it when {@code relu}: out = (x −
     * mean)·inv·g + b, clamped at zero. The normalised input is not stored: the backward pass
     * recomputes it from x, which costs less than writing and reading a second activation.
     */
    static void normalize(
            float[] x,
            int off,
            int n,
            float mean,
            float inv,
            float g,
            float b,
            boolean relu,
            float[] out) {
        if (VECTOR) {
            VectorKernels.normalize(x, off, n, mean, inv, g, b, relu, out);
            return;
        }
        normalizeFrom(0, x, off, n, mean, inv, g, b, relu, out);
    }

    /** The scalar loop of {@link #normalize} from element {@code from} on (the vector tail). */
    static void normalizeFrom(
            int from,
            float[] x,
            int off,
            int n,
            float mean,
            float inv,
            float g,
            float b,
            boolean relu,
            float[] out) {
        for (int j = from; j < n; j++) {
            float v = Math.fma((x[off + j] - mean) * inv, g, b);
            out[off + j] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** The output gradient at {@code i}, zero where the fused ReLU's output y is not positive. */
    static float maskedGradient(float[] d, float[] y, int i) {
        return y == null || y[i] > 0f ? d[i] : 0f;
    }

    /**
     * The two sums batch norm's backward pass needs over one block of a channel, written to {@code
     * sums}: Σ g and Σ g·(x − mean), where g is the output gradient d, masked by y > 0 when the
     * fused ReLU's output y is given (null: no ReLU).
     */
    static void normGradientSums(
            float[] d, float[] y, float[] x, int off, int n, float mean, float[] sums) {
        if (VECTOR) {
            VectorKernels.normGradientSums(d, y, x, off, n, mean, sums);
            return;
        }
        sums[0] = 0f;
        sums[1] = 0f;
        normGradientSumsFrom(0, d, y, x, off, n, mean, sums);
    }

    /**
     * The scalar loop of {@link #normGradientSums} from element {@code from} on, adding to the sums
     * already in {@code sums} (the vector lanes' totals, or zeros).
     */
    static void normGradientSumsFrom(
            int from, float[] d, float[] y, float[] x, int off, int n, float mean, float[] sums) {
        float sg = sums[0];
        float sgx = sums[1];
        for (int j = from; j < n; j++) {
            float g = maskedGradient(d, y, off + j);
            sg += g;
            sgx += g * (x[off + j] - mean);
        }
        sums[0] = sg;
        sums[1] = sgx;
    }

    /**
     * Batch norm's input gradient over one channel: out = a·g + (bx·(x − mean)·inv + c), with g
     * masked as in {@link #normGradientSums}.
     */
    static void normInputGradient(
            float[] d,
            float[] y,
            float[] x,
            int off,
            int n,
            float mean,
            float inv,
            float a,
            float bx,
            float c,
            float[] out) {
        if (VECTOR) {
            VectorKernels.normInputGradient(d, y, x, off, n, mean, inv, a, bx, c, out);
            return;
        }
        normInputGradientFrom(0, d, y, x, off, n, mean, inv, a, bx, c, out);
    }

    /** The scalar loop of {@link #normInputGradient} from element {@code from} on. */
    static void normInputGradientFrom(
            int from,
            float[] d,
            float[] y,
            float[] x,
            int off,
            int n,
            float mean,
            float inv,
            float a,
            float bx,
            float c,
            float[] out) {
        for (int j = from; j < n; j++) {
            float g = maskedGradient(d, y, off + j);
            out[off + j] = Math.fma(g, a, Math.fma((x[off + j] - mean) * inv, bx, c));
        }
    }

    /** g = d where y > 0, else 0, over [from, to) (ReLU's backward from its output). */
    static void reluBackward(float[] y, float[] d, float[] g, int from, int to) {
        if (VECTOR) {
            VectorKernels.reluBackward(y, d, g, from, to);
            return;
        }
        for (int j = from; j < to; j++) {
            g[j] = y[j] > 0f ? d[j] : 0f;
        }
    }

    /**
     * One GRU step over a row of {@code n} streams of one hidden unit: r = σ(gi_r + gh_r), z =
     * σ(gi_z + gh_z), n = tanh(gi_n + r · gh_n), h = n + z · (h_prev − n). Writes r, z, n and h at
     * {@code o}, where {@code prev} holds h_prev.
     */
    static void gruGates(
            float[] gi,
            int iR,
            int iZ,
            int iN,
            float[] gh,
            int hR,
            int hZ,
            int hN,
            float[] prev,
            float[] r,
            float[] z,
            float[] cand,
            float[] h,
            int o,
            int n) {
        if (VECTOR) {
            VectorKernels.gruGates(gi, iR, iZ, iN, gh, hR, hZ, hN, prev, r, z, cand, h, o, n);
            return;
        }
        gruGatesFrom(0, gi, iR, iZ, iN, gh, hR, hZ, hN, prev, r, z, cand, h, o, n);
    }

    /**
     * The scalar loop of {@link #gruGates} from element {@code from} on: the whole row without the
     * vector module, the tail of a row with it. Its tanh and sigmoid round exactly as the vector
     * lanes do, so a value does not depend on whether it fell in a lane or in the tail.
     */
    static void gruGatesFrom(
            int from,
            float[] gi,
            int iR,
            int iZ,
            int iN,
            float[] gh,
            int hR,
            int hZ,
            int hN,
            float[] prev,
            float[] r,
            float[] z,
            float[] cand,
            float[] h,
            int o,
            int n) {
        for (int s = from; s < n; s++) {
            float rs = sigmoid(gi[iR + s] + gh[hR + s]);
            float zs = sigmoid(gi[iZ + s] + gh[hZ + s]);
            float ns = tanh(Math.fma(rs, gh[hN + s], gi[iN + s]));
            r[o + s] = rs;
            z[o + s] = zs;
            cand[o + s] = ns;
            h[o + s] = Math.fma(zs, prev[o + s] - ns, ns);
        }
    }

    /** tanh clamped where it rounds to ±1: the rational approximation's range. */
    static final float TANH_CLAMP = 7.90531110763549805f;

    /** Odd numerator coefficients (x¹ … x¹³ over x) of the rational tanh, lowest first. */
    static final float[] TANH_P = {
        4.89352455891786e-03f,
        6.37261928875436e-04f,
        1.48572235717979e-05f,
        5.12229709037114e-08f,
        -8.60467152213735e-11f,
        2.00018790482477e-13f,
        -2.76076847742355e-16f
    };

    /** Even denominator coefficients (x⁰ … x⁶) of the rational tanh, lowest first. */
    static final float[] TANH_Q = {
        4.89352518554385e-03f, 2.26843463243900e-03f, 1.18534705686654e-04f, 1.19825839466702e-06f
    };

    /**
     * tanh within 4·10⁻⁷ (see {@code VectorKernels.tanh}, which this matches operation for
     * operation).
     */
    static float tanh(float v) {
        float x = Math.min(Math.max(v, -TANH_CLAMP), TANH_CLAMP);
        float x2 = x * x;
        float p = TANH_P[6];
        for (int i = 5; i >= 0; i--) {
            p = Math.fma(p, x2, TANH_P[i]);
        }
        float q = TANH_Q[3];
        for (int i = 2; i >= 0; i--) {
            q = Math.fma(q, x2, TANH_Q[i]);
        }
        return p * x / q;
    }

    /** The logistic function, (1 + tanh(x / 2)) / 2, as the vector lanes compute it. */
    static float sigmoid(float x) {
        return Math.fma(tanh(x * 0.5f), 0.5f, 0.5f);
    }

    /**
     * The backward pass of {@link #gruGates} for one hidden unit's row: from dh (at {@code d})
     * writes the gradients of the input gates (at {@code gR, gZ, gN}) and of the recurrent gates
     * (at {@code hR, hZ, hN}, the n gate's scaled by r), and replaces dh by z · dh, the part that
     * flows straight to h_prev. {@code ghN} holds the recurrent n gate's forward value at {@code
     * o}.
     */
    static void gruGatesBackward(
            float[] dh,
            int d,
            float[] ghN,
            float[] prev,
            float[] r,
            float[] z,
            float[] cand,
            int o,
            float[] dGi,
            int gR,
            int gZ,
            int gN,
            float[] dGh,
            int hR,
            int hZ,
            int hN,
            int n) {
        if (VECTOR) {
            VectorKernels.gruGatesBackward(
                    dh, d, ghN, prev, r, z, cand, o, dGi, gR, gZ, gN, dGh, hR, hZ, hN, n);
            return;
        }
        gruGatesBackwardFrom(
                0, dh, d, ghN, prev, r, z, cand, o, dGi, gR, gZ, gN, dGh, hR, hZ, hN, n);
    }

    /** The scalar loop of {@link #gruGatesBackward} from element {@code from} on. */
    static void gruGatesBackwardFrom(
            int from,
            float[] dh,
            int d,
            float[] ghN,
            float[] prev,
            float[] r,
            float[] z,
            float[] cand,
            int o,
            float[] dGi,
            int gR,
            int gZ,
            int gN,
            float[] dGh,
            int hR,
            int hZ,
            int hN,
            int n) {
        for (int s = from; s < n; s++) {
            float dhs = dh[d + s];
            float rs = r[o + s];
            float zs = z[o + s];
            float ns = cand[o + s];
            float dAn = dhs * (1 - zs) * (1 - ns * ns);
            float dAz = dhs * (prev[o + s] - ns) * zs * (1 - zs);
            float dAr = dAn * ghN[o + s] * rs * (1 - rs);
            dGi[gN + s] = dAn;
            dGh[hN + s] = dAn * rs;
            dGi[gR + s] = dAr;
            dGh[hR + s] = dAr;
            dGi[gZ + s] = dAz;
            dGh[hZ + s] = dAz;
            dh[d + s] = dhs * zs;
        }
    }
}
