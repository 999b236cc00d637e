package dev.sprig.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.sprig.Sprig;
import dev.sprig.sparse.TopK;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The selection at the heart of every mask update: RigL drops the k smallest active magnitudes of a
 * layer ({@code drop}: 23,520 candidates) and grows the k largest inactive gradients ({@code grow}:
 * 211,680 candidates). Measured on LeNet-300-100's first layer (235,200 weights) at 10% density
 * with drop fraction 0.3, so k = 7,056: Sprig's exact-count {@link TopK} (a linear selection with
 * index tie-breaks) against sorting every candidate's key, and against the engine's own {@code
 * topK} over the whole layer (which a GPU run would use).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Dai.djl.offline=true",
            "-DOPT_OUT_TRACKING=true",
            "-Dai.djl.pytorch.num_threads=1",
            "-Dai.djl.pytorch.num_interop_threads=1"
        })
public class MaskSelectionBenchmark {
    @Param({"235200"})
    int weights;

    @Param({"0.1"})
    double density;

    @Param({"drop", "grow"})
    String phase;

    private float[] magnitudes;
    private boolean[] candidate;
    private boolean largest;
    private int k;
    private long[] keys;
    private NDManager manager;
    private NDArray engineScores;

    /** Random magnitudes, a random mask of the given density, and the drop count. */
    @Setup(Level.Trial)
    public void setUp() {
        Sprig.forceOffline();
        SplittableRandom r = new SplittableRandom(0);
        magnitudes = new float[weights];
        candidate = new boolean[weights];
        largest = phase.equals("grow");
        for (int i = 0; i < weights; i++) {
            magnitudes[i] = (float) Math.abs(r.nextGaussian());
            boolean active = r.nextDouble() < density;
            candidate[i] = largest != active;
        }
        k = (int) (0.3 * density * weights);
        keys = new long[weights];
        manager = NDManager.newBaseManager(Device.cpu());
        engineScores = manager.create(magnitudes);
    }

    /** Releases the engine arrays. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** Sprig's selection: exactly k, deterministic ties. */
    @Benchmark
    public int[] sprigTopK() {
        return largest
                ? TopK.largest(magnitudes, candidate, k)
                : TopK.smallest(magnitudes, candidate, k);
    }

    /** The obvious alternative: sort every candidate's key, take the first k. */
    @Benchmark
    public long[] sortEverything() {
        int n = 0;
        for (int i = 0; i < weights; i++) {
            if (candidate[i]) {
                keys[n++] = TopK.key(magnitudes[i], i, largest);
            }
        }
        Arrays.sort(keys, 0, n);
        return keys;
    }

    /**
     * The engine's topK over all values (no candidate filter), index results read back to the host.
     */
    @Benchmark
    public long[] engineTopK() {
        try (NDManager step = manager.newSubManager()) {
            NDArray s = engineScores.duplicate();
            s.attach(step);
            NDList out = s.topK(k, 0, largest, false);
            return out.get(1).toLongArray();
        }
    }
}
