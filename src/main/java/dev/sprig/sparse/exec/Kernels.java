package dev.sprig.sparse.exec;

/**
 * The three inner loops of the sparse path, over rows of length {@code n} stored contiguously
 * (activations are feature-major: one row of the batch per feature).
 *
 * <p>Written as plain counted loops so that C2's superword pass vectorises {@code axpy}; the dot
 * product keeps eight independent partial sums, which breaks the add-latency chain and lets C2
 * vectorise it too. Measured against {@code jdk.incubator.vector} (see {@code bench sparse}):
 * the incubator module would have to be enabled on every JVM that loads Sprig, for a gain that
 * did not show on batch-length rows.
 */
final class Kernels {
    private Kernels() {}

    /** y[yOff..yOff+n) += a · x[xOff..xOff+n). */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a * x[xOff + j];
        }
    }

    /** Σ x[xOff+j] · y[yOff+j] over j < n. */
    static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 7 < n; j += 8) {
            s0 += x[xOff + j] * y[yOff + j];
            s1 += x[xOff + j + 1] * y[yOff + j + 1];
            s2 += x[xOff + j + 2] * y[yOff + j + 2];
            s3 += x[xOff + j + 3] * y[yOff + j + 3];
            s4 += x[xOff + j + 4] * y[yOff + j + 4];
            s5 += x[xOff + j + 5] * y[yOff + j + 5];
            s6 += x[xOff + j + 6] * y[yOff + j + 6];
            s7 += x[xOff + j + 7] * y[yOff + j + 7];
        }
        float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; j < n; j++) {
            s += x[xOff + j] * y[yOff + j];
        }
        return s;
    }

    /** Σ x[off..off+n). */
    static float sum(float[] x, int off, int n) {
        float s = 0;
        for (int j = 0; j < n; j++) {
            s += x[off + j];
        }
        return s;
    }
}
