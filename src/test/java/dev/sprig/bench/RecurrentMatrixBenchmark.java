package dev.sprig.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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
 * Whether the CSR kernels would pay inside a recurrent language model: one training product
 * (forward, input gradient, weight gradient) of a character model's matrices through Sprig's CSR
 * kernel at a given sparsity, against the engine's dense product with autograd, one thread each.
 *
 * <p>Shapes ({@code rows x cols x batch}) are those of {@code bench/text-lm.sh}'s gru-256-2 with
 * batch 64 and windows of 50: the output projection over a window ({@code 74 x 256 x 3200}, the
 * King James Bible's 74 symbols), the same for a 1,024-symbol vocabulary, and one time step of a
 * GRU layer's recurrent product ({@code 768 x 256 x 64}, three gates), which the engine runs 50
 * times per window inside its fused recurrent kernel. The kernel comparison is an upper bound on
 * what a CSR layer could save there: it leaves out the copies between the engine and the host that
 * splitting one model over two executors would add.
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
public class RecurrentMatrixBenchmark {
    @Param({"74x256x3200", "1024x256x3200", "768x256x64"})
    String shape;

    @Param({"0.75", "0.9", "0.98"})
    double sparsity;

    private int batch;
    private CsrLayer layer;
    private WorkerPool pool;
    private float[] input;
    private float[] output;
    private float[] inputGradient;
    private Engine engine;
    private NDManager manager;
    private NDArray denseWeight;
    private NDArray denseInput;

    /** A random weight with the given fraction of zeros, and a random feature-major batch. */
    @Setup(Level.Trial)
    public void setUp() {
        Sprig.forceOffline();
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        batch = Integer.parseInt(dims[2]);
        SplittableRandom r = new SplittableRandom(0);
        float[] w = new float[rows * cols];
        boolean[] mask = new boolean[w.length];
        for (int i = 0; i < w.length; i++) {
            mask[i] = r.nextDouble() >= sparsity;
            w[i] = mask[i] ? (float) r.nextGaussian() * 0.05f : 0f;
        }
        layer = CsrLayer.fromDense("w", rows, cols, w, mask, new float[rows]);
        pool = new WorkerPool(1);
        input = new float[cols * batch];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        output = new float[rows * batch];
        inputGradient = new float[cols * batch];
        engine = Sprig.engine();
        manager = NDManager.newBaseManager(Device.cpu());
        denseWeight = manager.create(w, new Shape(rows, cols));
        denseWeight.setRequiresGradient(true);
        denseInput = manager.create(input, new Shape(batch, cols));
    }

    /** Releases the pool and the engine arrays. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        manager.close();
    }

    /** Sprig's CSR forward and backward: only the stored weights are touched. */
    @Benchmark
    public float[] sparseCsr() {
        layer.forward(input, output, batch, pool);
        layer.backward(output, input, inputGradient, batch, pool);
        return inputGradient;
    }

    /** The engine's dense product of the same shape and its two gradients (zeros included). */
    @Benchmark
    public float engineDense() {
        try (NDManager step = manager.newSubManager()) {
            NDArray x = denseInput.duplicate();
            x.attach(step);
            x.setRequiresGradient(true);
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray out = x.matMul(denseWeight.transpose());
                gc.backward(out.sum());
            }
            NDArray g = x.getGradient();
            g.attach(step);
            return g.getFloat(0, 0);
        }
    }
}
