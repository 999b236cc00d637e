package dev.sprig.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sprig.Sprig;
import dev.sprig.sparse.exec.CsrLayer;
import dev.sprig.sparse.exec.WorkerPool;
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
 * Where unstructured sparsity becomes real time: one forward pass of LeNet-300-100's first layer
 * (300 × 784, batch 128) through Sprig's CSR kernel at a given sparsity, against the engine's dense
 * matrix product (LibTorch) of the same shape, one thread each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Dai.djl.offline=true",
            "-DOPT_OUT_TRACKING=true",
            "-Dai.djl.pytorch.num_threads=1",
            "-Dai.djl.pytorch.num_interop_threads=1"
        })
public class CsrKernelBenchmark {
    private static final int ROWS = 300;
    private static final int COLS = 784;
    private static final int BATCH = 128;

    @Param({"0.9", "0.98"})
    double sparsity;

    private CsrLayer layer;
    private WorkerPool pool;
    private float[] input;
    private float[] output;
    private NDManager manager;
    private NDArray denseWeight;
    private NDArray denseInput;

    /** A random weight with the given fraction of zeros, and a random batch. */
    @Setup(Level.Trial)
    public void setUp() {
        Sprig.forceOffline();
        SplittableRandom r = new SplittableRandom(0);
        float[] w = new float[ROWS * COLS];
        boolean[] mask = new boolean[w.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
            mask[i] = r.nextDouble() >= sparsity;
        }
        layer = CsrLayer.fromDense("fc1", ROWS, COLS, w, mask, new float[ROWS]);
        pool = new WorkerPool(1);
        input = new float[COLS * BATCH];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        output = new float[ROWS * BATCH];
        manager = NDManager.newBaseManager(Device.cpu());
        denseWeight = manager.create(w, new Shape(ROWS, COLS));
        denseInput = manager.create(input, new Shape(COLS, BATCH));
    }

    /** Releases the pool and the engine arrays. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        manager.close();
    }

    /** Sprig's CSR forward: only the stored weights are multiplied. */
    @Benchmark
    public float[] sparseCsr() {
        layer.forward(input, output, BATCH, pool);
        return output;
    }

    /** The engine's dense product of the same shape (zeros multiplied too). */
    @Benchmark
    public float engineDense() {
        try (NDManager step = manager.newSubManager()) {
            NDArray out = denseWeight.matMul(denseInput);
            out.attach(step);
            return out.getFloat(0, 0);
        }
    }
}
