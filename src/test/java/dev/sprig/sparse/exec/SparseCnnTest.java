package dev.sprig.sparse.exec;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.sprig.Sprig;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.SparseUpdater;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Losses;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.io.DataInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sparse CNN backend against the engine's masked-dense network: one training pass of zoo
 * networks that between them have every operation the backend runs (3x3 and 1x1 convolutions with
 * stride 1 and 2, a 7x7 stem with padding 3, batch norm, ReLU, max pooling with and without
 * padding, residual additions with identity and projection shortcuts, global average pooling,
 * flatten, linear heads), then evaluation-mode logits with the running statistics it moved.
 */
class SparseCnnTest {

    /** Feature-major {@code [features][b]} to batch-major. */
    static float[] batchMajor(float[] featureMajor, int b) {
        int f = featureMajor.length / b;
        float[] out = new float[featureMajor.length];
        for (int i = 0; i < f; i++) {
            for (int n = 0; n < b; n++) {
                out[n * f + i] = featureMajor[i * b + n];
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({
        "resnet-8, 3, 16, 0.5, 5, 3",
        "vgg-11, 3, 32, 0.125, 4, 2",
        "resnet-18, 3, 32, 0.125, 6, 1",
        "wrn-10-1, 1, 12, 0.5, 3, 2"
    })
    void oneTrainingPassMatchesTheMaskedDenseEngine(
            String name, int channels, int size, double width, int batch, int threads) {
        Sprig.engine();
        int classes = 7;
        SplittableRandom r = new SplittableRandom(5);
        try (SprigModel model =
                        ModelZoo.create(name, channels, size, classes, width, Device.cpu(), 3, 1f);
                NDManager m = NDManager.newBaseManager(Device.cpu());
                WorkerPool pool = new WorkerPool(threads)) {
            Map<String, CsrLayer> weights = new LinkedHashMap<>();
            Map<String, boolean[]> masks = new LinkedHashMap<>();
            for (NamedParameter w : model.prunableWeights()) {
                LayerSpec l = w.layer();
                int n = (int) l.weightCount();
                boolean[] mask = SparseUpdater.uniformMask(r, n, Math.max(1, n / 4));
                float[] dense = w.array().toFloatArray();
                for (int i = 0; i < n; i++) {
                    dense[i] = mask[i] ? dense[i] : 0f;
                }
                w.array().set(dense);
                masks.put(l.name(), mask);
                NamedParameter bias = model.parameters().get(l.name() + ".bias");
                float[] b = bias == null ? new float[l.outChannels()] : bias.array().toFloatArray();
                weights.put(
                        l.name(),
                        CsrLayer.fromDense(
                                l.name(), l.outChannels(), n / l.outChannels(), dense, mask, b));
            }
            SparseCnn net = new SparseCnn(model.ops(), weights, pool);
            for (LayerSpec l : model.layers()) {
                if (l.kind() == LayerKind.BATCH_NORM) {
                    float[] gamma = new float[l.outChannels()];
                    float[] beta = new float[l.outChannels()];
                    for (int i = 0; i < gamma.length; i++) {
                        gamma[i] = (float) (0.5 + r.nextDouble());
                        beta[i] = (float) (r.nextGaussian() * 0.1);
                    }
                    model.parameters().get(l.name() + ".gamma").array().set(gamma);
                    model.parameters().get(l.name() + ".beta").array().set(beta);
                    net.setBatchNorm(
                            l.name(),
                            gamma,
                            beta,
                            new float[gamma.length],
                            filled(gamma.length, 1f));
                }
            }
            float[] x = new float[batch * channels * size * size];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            int[] labels = new int[batch];
            long[] yl = new long[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = r.nextInt(classes);
                yl[i] = labels[i];
            }
            NDArray logits;
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits = model.forward(m.create(x, new Shape(batch, channels, size, size)), true);
                loss = Losses.crossEntropy(logits, m.create(yl), 0.1);
                gc.backward(loss);
            }
            SparseMlp.BatchResult res = net.forwardBackward(x, labels, 0.1);
            assertThat(res.loss())
                    .isCloseTo(
                            loss.getFloat(), org.assertj.core.data.Percentage.withPercentage(1e-2));
            for (CsrLayer l : net.layers()) {
                float[] g =
                        model.parameters()
                                .get(l.name() + ".weight")
                                .array()
                                .getGradient()
                                .toFloatArray();
                boolean[] mask = masks.get(l.name());
                float[] expected = new float[l.nnz()];
                int k = 0;
                for (int i = 0; i < g.length; i++) {
                    if (mask[i]) {
                        expected[k++] = g[i];
                    }
                }
                assertThat(SparsePathTest.maxRelativeError(expected, l.grad()))
                        .as(name + " " + l.name() + " weight gradient")
                        .isLessThan(1e-4f);
                if (model.parameters().get(l.name() + ".weight").layer().kind()
                        == LayerKind.LINEAR) {
                    continue; // its dense gradient is the MLP's engine product, tested there
                }
                try (WeightGradient dense =
                        net.denseGradient(net.layers().indexOf(l), Device.cpu())) {
                    assertThat(SparsePathTest.maxRelativeError(g, dense.rows(0, l.rows())))
                            .as(name + " " + l.name() + " dense weight gradient")
                            .isLessThan(1e-4f);
                }
            }
            for (LayerSpec l : model.layers()) {
                if (l.kind() == LayerKind.BATCH_NORM) {
                    float[][] bn = net.batchNorm(l.name());
                    float[] gg = grad(model, l.name() + ".gamma");
                    assertThat(
                                    SparsePathTest.maxRelativeError(
                                            gg, net.batchNormGradients(l.name())[0]))
                            .as(name + " " + l.name() + " gamma gradient")
                            .isLessThan(1e-4f);
                    assertThat(
                                    SparsePathTest.maxRelativeError(
                                            grad(model, l.name() + ".beta"),
                                            net.batchNormGradients(l.name())[1]))
                            .as(name + " " + l.name() + " beta gradient")
                            .isLessThan(1e-4f);
                    float[] rm =
                            model.parameters()
                                    .get(l.name() + ".running_mean")
                                    .array()
                                    .toFloatArray();
                    float[] rv =
                            model.parameters()
                                    .get(l.name() + ".running_var")
                                    .array()
                                    .toFloatArray();
                    assertThat(SparsePathTest.maxRelativeError(rm, bn[2]))
                            .as(l.name() + " mean")
                            .isLessThan(1e-4f);
                    assertThat(SparsePathTest.maxRelativeError(rv, bn[3]))
                            .as(l.name() + " var")
                            .isLessThan(1e-4f);
                }
            }
            float[] trainLogits = logits.toFloatArray();
            // Evaluation mode: running statistics.
            float[] evalEngine =
                    model.forward(m.create(x, new Shape(batch, channels, size, size)), false)
                            .toFloatArray();
            float[] evalSparse = batchMajor(net.forward(x, batch), batch);
            assertThat(SparsePathTest.maxRelativeError(evalEngine, evalSparse))
                    .as(name + " evaluation logits")
                    .isLessThan(1e-4f);
            assertThat(trainLogits).hasSameSizeAs(evalSparse);
        }
    }

    private static float[] grad(SprigModel model, String param) {
        return model.parameters().get(param).array().getGradient().toFloatArray();
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @org.junit.jupiter.api.Test
    void trainingMatchesTheMaskedDensePathStepForStep(@org.junit.jupiter.api.io.TempDir Path tmp) {
        for (String method : List.of("static", "set", "rigl", "snfs")) {
            TrainConfig c = SparsePathTest.config(method);
            c.model = "resnet-8";
            c.widthMultiplier = 0.5;
            c.batchSize = 32;
            c.maxStepsPerEpoch = 12;
            c.updateInterval = 5;
            c.lr = 0.02;
            List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(c));
            SparsePathTest.WeightCapture capture = new SparsePathTest.WeightCapture();
            hooks.add(capture);
            TrainConfig engine = c.copy();
            engine.exec = "dense";
            RunSummary dense =
                    new Trainer(engine, SparsePathTest.data(c), null, hooks, false)
                            .chooseBackend()
                            .run();
            SparseUpdater updater = (SparseUpdater) hooks.get(0);
            RunSummary s =
                    SparsePathTest.csr(c, RunFolder.open(tmp.resolve(method), RunFolder.Mode.NEW));
            assertThat(s.extra()).containsEntry("exec", "sparse");
            assertThat(s.nonzeroParams()).as(method).isEqualTo(dense.nonzeroParams());
            assertThat(s.trainFlops())
                    .as(method)
                    .isCloseTo(
                            dense.trainFlops(),
                            org.assertj.core.data.Percentage.withPercentage(1e-9));
            Path ckpt = tmp.resolve(method).resolve("checkpoints/last.ckpt");
            Checkpoint.Contents contents = Checkpoint.read(ckpt);
            List<LayerSpec> prunable =
                    CsrSession.prunable(CsrSession.specs(c, SparsePathTest.data(c)));
            try (DataInputStream in = contents.sectionStream()) {
                in.readLong();
                in.readBoolean();
                for (CsrLayer l : CsrFormat.readLayers(in, prunable)) {
                    boolean[] expectedMask = updater.masks().get(l.name());
                    float[] w = l.toDense();
                    boolean[] mask = new boolean[w.length];
                    for (long p : l.positions()) {
                        mask[(int) p] = true;
                    }
                    int differ = 0;
                    for (int i = 0; i < mask.length; i++) {
                        differ += mask[i] != expectedMask[i] ? 1 : 0;
                    }
                    // Random growth (SET) and fixed masks are decided by weights alone, which agree
                    // to 1e-7: identical. Gradient growth picks among scores that agree with the
                    // engine's to ~1e-6 of their scale (the engine sums in another order), so
                    // candidates that near-tie at the threshold may fall either way: a few.
                    int allowed =
                            method.equals("static") || method.equals("set") ? 0 : l.nnz() / 10;
                    assertThat(differ)
                            .as(method + " " + l.name() + " mask positions that differ")
                            .isLessThanOrEqualTo(allowed);
                    if (allowed == 0) {
                        assertThat(
                                        SparsePathTest.maxRelativeError(
                                                capture.weights.get(l.name()), w))
                                .as(method + " " + l.name())
                                .isLessThan(5e-3f);
                    } // float sums in another order, 24 steps on
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            // Export and evaluation read the same network back into the engine's model.
            try (SprigModel exported =
                    dev.sprig.export.ModelExport.load(tmp.resolve(method), Device.cpu())) {
                try (DataInputStream in = contents.sectionStream()) {
                    in.readLong();
                    in.readBoolean();
                    for (CsrLayer l : CsrFormat.readLayers(in, prunable)) {
                        assertThat(
                                        exported.parameters()
                                                .get(l.name() + ".weight")
                                                .array()
                                                .toFloatArray())
                                .as(method + " exported " + l.name())
                                .containsExactly(l.toDense());
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            // Barely trained (24 steps), a few test examples sit on a decision boundary: float sums
            // in another order move them (the engine alone moves them with its thread count).
            assertThat(s.testAccuracy())
                    .as(method)
                    .isCloseTo(dense.testAccuracy(), org.assertj.core.data.Offset.offset(0.005));
            assertThat(s.testLoss())
                    .as(method)
                    .isCloseTo(
                            dense.testLoss(),
                            org.assertj.core.data.Percentage.withPercentage(0.05));
        }
    }
}
