package dev.sprig.sparse.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD versions of {@link Kernels}' loops on {@code jdk.incubator.vector}. Loaded only when the JVM
 * was started with {@code --add-modules jdk.incubator.vector} (the {@code sprig} launcher and the
 * test runner do): C2 does not vectorise float reductions on its own, and the weight gradient is
 * nothing but reductions.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorKernels() {}

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
        FloatVector v0 = FloatVector.broadcast(S, a0);
        FloatVector v1 = FloatVector.broadcast(S, a1);
        FloatVector v2 = FloatVector.broadcast(S, a2);
        FloatVector v3 = FloatVector.broadcast(S, a3);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, y, yOff + j);
            acc = FloatVector.fromArray(S, x, o0 + j).fma(v0, acc);
            acc = FloatVector.fromArray(S, x, o1 + j).fma(v1, acc);
            acc = FloatVector.fromArray(S, x, o2 + j).fma(v2, acc);
            acc = FloatVector.fromArray(S, x, o3 + j).fma(v3, acc);
            acc.intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] += a0 * x[o0 + j] + a1 * x[o1 + j] + a2 * x[o2 + j] + a3 * x[o3 + j];
        }
    }

    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(S, a);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector.fromArray(S, x, xOff + j)
                    .fma(va, FloatVector.fromArray(S, y, yOff + j))
                    .intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] += a * x[xOff + j];
        }
    }

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
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector gv = FloatVector.fromArray(S, g, gOff + j);
            s0 = gv.fma(FloatVector.fromArray(S, x, o0 + j), s0);
            s1 = gv.fma(FloatVector.fromArray(S, x, o1 + j), s1);
            s2 = gv.fma(FloatVector.fromArray(S, x, o2 + j), s2);
            s3 = gv.fma(FloatVector.fromArray(S, x, o3 + j), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD);
        float r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD);
        float r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            r0 += g[gOff + j] * x[o0 + j];
            r1 += g[gOff + j] * x[o1 + j];
            r2 += g[gOff + j] * x[o2 + j];
            r3 += g[gOff + j] * x[o3 + j];
        }
        out[outOff] = r0;
        out[outOff + 1] = r1;
        out[outOff + 2] = r2;
        out[outOff + 3] = r3;
    }

    static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector s = FloatVector.zero(S);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            s = FloatVector.fromArray(S, x, xOff + j).fma(FloatVector.fromArray(S, y, yOff + j), s);
        }
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            r += x[xOff + j] * y[yOff + j];
        }
        return r;
    }

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
        int lanes = S.length();
        int j = 0;
        for (; j + 4 * lanes <= n; j += 4 * lanes) {
            FloatVector a0 = FloatVector.broadcast(S, init);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int k = from; k < to; k++) {
                FloatVector wv = FloatVector.broadcast(S, w[k]);
                int p = base + off[k] + j;
                a0 = FloatVector.fromArray(S, src, p).fma(wv, a0);
                a1 = FloatVector.fromArray(S, src, p + lanes).fma(wv, a1);
                a2 = FloatVector.fromArray(S, src, p + 2 * lanes).fma(wv, a2);
                a3 = FloatVector.fromArray(S, src, p + 3 * lanes).fma(wv, a3);
            }
            a0.intoArray(out, outOff + j);
            a1.intoArray(out, outOff + j + lanes);
            a2.intoArray(out, outOff + j + 2 * lanes);
            a3.intoArray(out, outOff + j + 3 * lanes);
        }
        for (; j + lanes <= n; j += lanes) {
            FloatVector a = FloatVector.broadcast(S, init);
            for (int k = from; k < to; k++) {
                a =
                        FloatVector.fromArray(S, src, base + off[k] + j)
                                .fma(FloatVector.broadcast(S, w[k]), a);
            }
            a.intoArray(out, outOff + j);
        }
        for (; j < n; j++) {
            float a = init;
            for (int k = from; k < to; k++) {
                a = Math.fma(src[base + off[k] + j], w[k], a);
            }
            out[outOff + j] = a;
        }
    }

    static void deviationSums(float[] x, int off, int n, float shift, float[] sums) {
        FloatVector k = FloatVector.broadcast(S, shift);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = s1;
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector d = FloatVector.fromArray(S, x, off + j).sub(k);
            s1 = s1.add(d);
            s2 = d.fma(d, s2);
        }
        sums[0] = s1.reduceLanes(VectorOperators.ADD);
        sums[1] = s2.reduceLanes(VectorOperators.ADD);
        Kernels.deviationSumsFrom(j, x, off, n, shift, sums);
    }

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
        FloatVector m = FloatVector.broadcast(S, mean);
        FloatVector iv = FloatVector.broadcast(S, inv);
        FloatVector gv = FloatVector.broadcast(S, g);
        FloatVector bv = FloatVector.broadcast(S, b);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, off + j).sub(m).mul(iv).fma(gv, bv);
            (relu ? v.max(zero) : v).intoArray(out, off + j);
        }
        Kernels.normalizeFrom(j, x, off, n, mean, inv, g, b, relu, out);
    }

    /**
     * d's lanes at {@code i}, zero where the fused ReLU's output y (when given) is not positive.
     */
    private static FloatVector maskedGradient(float[] d, float[] y, int i, FloatVector zero) {
        FloatVector g = FloatVector.fromArray(S, d, i);
        return y == null
                ? g
                : zero.blend(g, FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f));
    }

    static void normGradientSums(
            float[] d, float[] y, float[] x, int off, int n, float mean, float[] sums) {
        FloatVector m = FloatVector.broadcast(S, mean);
        FloatVector zero = FloatVector.zero(S);
        FloatVector sg = zero;
        FloatVector sgx = zero;
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector g = maskedGradient(d, y, off + j, zero);
            sg = sg.add(g);
            sgx = FloatVector.fromArray(S, x, off + j).sub(m).fma(g, sgx);
        }
        sums[0] = sg.reduceLanes(VectorOperators.ADD);
        sums[1] = sgx.reduceLanes(VectorOperators.ADD);
        Kernels.normGradientSumsFrom(j, d, y, x, off, n, mean, sums);
    }

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
        FloatVector m = FloatVector.broadcast(S, mean);
        FloatVector iv = FloatVector.broadcast(S, inv);
        FloatVector av = FloatVector.broadcast(S, a);
        FloatVector bv = FloatVector.broadcast(S, bx);
        FloatVector cv = FloatVector.broadcast(S, c);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector g = maskedGradient(d, y, off + j, zero);
            FloatVector h = FloatVector.fromArray(S, x, off + j).sub(m).mul(iv);
            g.fma(av, h.fma(bv, cv)).intoArray(out, off + j);
        }
        Kernels.normInputGradientFrom(j, d, y, x, off, n, mean, inv, a, bx, c, out);
    }

    static void reluBackward(float[] y, float[] d, float[] g, int from, int to) {
        FloatVector zero = FloatVector.zero(S);
        int j = from;
        int bound = from + S.loopBound(to - from);
        for (; j < bound; j += S.length()) {
            FloatVector yv = FloatVector.fromArray(S, y, j);
            FloatVector dv = FloatVector.fromArray(S, d, j);
            zero.blend(dv, yv.compare(VectorOperators.GT, 0f)).intoArray(g, j);
        }
        for (; j < to; j++) {
            g[j] = y[j] > 0f ? d[j] : 0f;
        }
    }

    /**
     * tanh per lane, within 4·10⁻⁷ of the true value: the odd rational approximation of degree 13/6
     * that Eigen and PyTorch's CPU kernels use, on x clamped to ±7.9 (where tanh rounds to ±1).
     * Only multiplications, fused multiply-adds and one division: {@code lanewise(TANH)} and {@code
     * lanewise(EXP)} are not used, because the JIT's intrinsics (SVML) and the interpreter's
     * fallback round differently, so results would depend on when a method got compiled, and so on
     * timing and the thread count; these operations round alike in both.
     */
    static FloatVector tanh(FloatVector v) {
        FloatVector x = v.max(-Kernels.TANH_CLAMP).min(Kernels.TANH_CLAMP);
        FloatVector x2 = x.mul(x);
        FloatVector p = FloatVector.broadcast(S, Kernels.TANH_P[6]);
        for (int i = 5; i >= 0; i--) {
            p = p.fma(x2, FloatVector.broadcast(S, Kernels.TANH_P[i]));
        }
        FloatVector q = FloatVector.broadcast(S, Kernels.TANH_Q[3]);
        for (int i = 2; i >= 0; i--) {
            q = q.fma(x2, FloatVector.broadcast(S, Kernels.TANH_Q[i]));
        }
        return p.mul(x).div(q);
    }

    /** The logistic function per lane, σ(x) = (1 + tanh(x / 2)) / 2. */
    static FloatVector sigmoid(FloatVector x) {
        return tanh(x.mul(0.5f)).fma(0.5f, 0.5f);
    }

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
        int s = 0;
        int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; s < bound; s += S.length()) {
            FloatVector ar =
                    FloatVector.fromArray(S, gi, iR + s).add(FloatVector.fromArray(S, gh, hR + s));
            FloatVector az =
                    FloatVector.fromArray(S, gi, iZ + s).add(FloatVector.fromArray(S, gh, hZ + s));
            FloatVector rs = sigmoid(ar);
            FloatVector zs = sigmoid(az);
            FloatVector ns =
                    tanh(
                            rs.fma(
                                    FloatVector.fromArray(S, gh, hN + s),
                                    FloatVector.fromArray(S, gi, iN + s)));
            FloatVector p = FloatVector.fromArray(S, prev, o + s);
            rs.intoArray(r, o + s);
            zs.intoArray(z, o + s);
            ns.intoArray(cand, o + s);
            zs.fma(p.sub(ns), ns).intoArray(h, o + s);
        }
        Kernels.gruGatesFrom(s, gi, iR, iZ, iN, gh, hR, hZ, hN, prev, r, z, cand, h, o, n);
    }

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
        int s = 0;
        int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; s < bound; s += S.length()) {
            FloatVector dhs = FloatVector.fromArray(S, dh, d + s);
            FloatVector rs = FloatVector.fromArray(S, r, o + s);
            FloatVector zs = FloatVector.fromArray(S, z, o + s);
            FloatVector ns = FloatVector.fromArray(S, cand, o + s);
            FloatVector dAn = dhs.mul(one.sub(zs)).mul(one.sub(ns.mul(ns)));
            FloatVector dAz =
                    dhs.mul(FloatVector.fromArray(S, prev, o + s).sub(ns)).mul(zs).mul(one.sub(zs));
            FloatVector dAr =
                    dAn.mul(FloatVector.fromArray(S, ghN, o + s)).mul(rs).mul(one.sub(rs));
            dAn.intoArray(dGi, gN + s);
            dAn.mul(rs).intoArray(dGh, hN + s);
            dAr.intoArray(dGi, gR + s);
            dAr.intoArray(dGh, hR + s);
            dAz.intoArray(dGi, gZ + s);
            dAz.intoArray(dGh, hZ + s);
            dhs.mul(zs).intoArray(dh, d + s);
        }
        Kernels.gruGatesBackwardFrom(
                s, dh, d, ghN, prev, r, z, cand, o, dGi, gR, gZ, gN, dGh, hR, hZ, hN, n);
    }
}
