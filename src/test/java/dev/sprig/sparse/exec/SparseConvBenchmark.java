package dev.sprig.sparse.exec;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import dev.sprig.Sprig;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
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
 * One convolution layer's training step, forward and backward (input and weight gradients), through
 * {@link SparseConv} at a given sparsity against the engine's dense convolution (oneDNN in
 * LibTorch) of the same shape, one thread each: the per-layer figure SparseProp (Nikdan et al.
 * 2023) reports, 1.7-2.9x for ResNet-18's layers at 95% sparsity.
 *
 * <p>The layer is a 3×3, stride-1, padding-1 convolution of {@code channels} to {@code channels} on
 * a {@code size}² input, batch 64: by default 64 channels at 16² (ResNet-20's widest stage at width
 * 1 is 64 channels at 8²; ResNet-18 on CIFAR has 64 at 32² down to 512 at 4²).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
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
public class SparseConvBenchmark {
    private static final int BATCH = 64;
    private static final int KERNEL = 3;

    @Param({"0.9", "0.95", "0.98"})
    double sparsity;

    @Param({"64"})
    int channels;

    @Param({"16"})
    int size;

    private SparseConv conv;
    private WorkerPool pool;
    private float[] input;
    private float[] dOut;
    private NDManager manager;
    private NDArray denseWeight;
    private NDArray denseInput;
    private NDArray denseDOut;

    /** A random weight with the given fraction of zeros, a random batch and output gradient. */
    @Setup(Level.Trial)
    public void setUp() {
        Sprig.forceOffline();
        SplittableRandom r = new SplittableRandom(0);
        int cols = channels * KERNEL * KERNEL;
        float[] w = new float[channels * cols];
        boolean[] mask = new boolean[w.length];
        for (int i = 0; i < w.length; i++) {
            mask[i] = r.nextDouble() >= sparsity;
            w[i] = mask[i] ? (float) r.nextGaussian() : 0f;
        }
        LayerSpec spec =
                new LayerSpec(
                        "conv",
                        LayerKind.CONV,
                        channels,
                        channels,
                        KERNEL,
                        1,
                        1,
                        size,
                        size,
                        size,
                        size,
                        false);
        conv =
                new SparseConv(
                        CsrLayer.fromDense("conv", channels, cols, w, mask, new float[channels]),
                        spec,
                        1);
        pool = new WorkerPool(1);
        input = gaussian(r, channels * size * size * BATCH);
        dOut = gaussian(r, channels * size * size * BATCH);
        manager = NDManager.newBaseManager(Device.cpu());
        denseWeight = manager.create(w, new Shape(channels, channels, KERNEL, KERNEL));
        denseWeight.setRequiresGradient(true);
        denseInput = manager.create(input, new Shape(BATCH, channels, size, size));
        denseInput.setRequiresGradient(true);
        denseDOut = manager.create(dOut, new Shape(BATCH, channels, size, size));
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Releases the pool and the engine arrays. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        manager.close();
    }

    /** Sprig's sparse convolution: forward, input gradient, weight gradient at stored weights. */
    @Benchmark
    public float sparseConv() {
        float[] out = conv.forward(input, BATCH, pool);
        float[] dIn = conv.backward(dOut, BATCH, true, pool);
        return out[0] + dIn[0];
    }

    /** The engine's dense convolution of the same shape, forward and both gradients. */
    @Benchmark
    public float engineDense() {
        try (NDManager step = manager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y =
                    Conv2d.conv2d(
                                    denseInput,
                                    denseWeight,
                                    null,
                                    new Shape(1, 1),
                                    new Shape(1, 1),
                                    new Shape(1, 1),
                                    1)
                            .singletonOrThrow();
            y.attach(step);
            NDArray loss = y.mul(denseDOut).sum();
            loss.attach(step);
            gc.backward(loss);
            NDArray dW = denseWeight.getGradient();
            NDArray dX = denseInput.getGradient();
            dW.attach(step);
            dX.attach(step);
            return dW.getFloat(0, 0, 0, 0) + dX.getFloat(0, 0, 0, 0);
        }
    }
}
