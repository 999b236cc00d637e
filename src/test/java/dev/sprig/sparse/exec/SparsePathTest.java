package dev.sprig.sparse.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.SparseUpdater;
import dev.sprig.sparse.StreamingTopK;
import dev.sprig.sparse.TopK;
import dev.sprig.train.Losses;
import dev.sprig.train.Methods;
import dev.sprig.train.RunContext;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparsePathTest {

    static float maxRelativeError(float[] expected, float[] actual) {
        assertThat(actual).hasSameSizeAs(expected);
        float scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        float err = 0;
        for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs(expected[i] - actual[i]));
        }
        return err / Math.max(scale, 1e-12f);
    }

    @Test
    void forwardAndAllGradientsMatchTheMaskedDenseEngine() {
        Sprig.engine();
        int batch = 37;
        try (SprigModel model = ModelZoo.create("mlp-48-24", 1, 5, 7, 1.0, Device.cpu(), 3, 1f);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom r = new SplittableRandom(11);
            List<CsrLayer> layers = new ArrayList<>();
            Map<String, boolean[]> masks = new LinkedHashMap<>();
            int li = 0;
            for (NamedParameter w : model.prunableWeights()) {
                LayerSpec l = w.layer();
                boolean[] mask =
                        SparseUpdater.uniformMask(
                                r, (int) l.weightCount(), l.weightCount() / (3 + li++));
                float[] dense = w.array().toFloatArray();
                for (int i = 0; i < dense.length; i++) {
                    dense[i] = mask[i] ? dense[i] : 0f;
                }
                w.array().set(dense);
                masks.put(l.name(), mask);
                float[] bias = model.parameters().get(l.name() + ".bias").array().toFloatArray();
                layers.add(
                        CsrLayer.fromDense(
                                l.name(), l.outChannels(), l.inChannels(), dense, mask, bias));
            }
            float[] x = new float[batch * 25];
            int[] labels = new int[batch];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < batch; i++) {
                labels[i] = r.nextInt(7);
            }
            NDArray logits;
            NDArray loss;
            NDArray xs = m.create(x, new Shape(batch, 1, 5, 5));
            long[] yl = new long[batch];
            for (int i = 0; i < batch; i++) {
                yl[i] = labels[i];
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits = model.forward(xs, true);
                loss = Losses.crossEntropy(logits, m.create(yl), 0.1);
                gc.backward(loss);
            }
            try (WorkerPool pool = new WorkerPool(3)) {
                SparseMlp net = new SparseMlp(layers, pool);
                SparseMlp.BatchResult res = net.forwardBackward(x, labels, 0.1);
                float[] sparseLogits = transpose(net.forward(x, batch), 7, batch);
                // forward() above re-ran the network: the gradients below are from forwardBackward.
                assertThat(maxRelativeError(logits.toFloatArray(), sparseLogits)).isLessThan(1e-5f);
                assertThat(res.loss())
                        .isCloseTo(loss.getFloat(), org.assertj.core.data.Offset.offset(1e-5));
                for (CsrLayer l : layers) {
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
                    assertThat(maxRelativeError(expected, l.grad()))
                            .as(l.name() + " weight gradient")
                            .isLessThan(1e-5f);
                    float[] gb =
                            model.parameters()
                                    .get(l.name() + ".bias")
                                    .array()
                                    .getGradient()
                                    .toFloatArray();
                    assertThat(maxRelativeError(gb, l.biasGrad()))
                            .as(l.name() + " bias gradient")
                            .isLessThan(1e-5f);
                }
            }
        }
    }

    private static float[] transpose(float[] featureMajor, int features, int batch) {
        float[] out = new float[featureMajor.length];
        for (int f = 0; f < features; f++) {
            for (int b = 0; b < batch; b++) {
                out[b * features + f] = featureMajor[f * batch + b];
            }
        }
        return out;
    }

    @Test
    void inputGradientIsTheTransposedProduct() {
        SplittableRandom r = new SplittableRandom(5);
        int rows = 9;
        int cols = 13;
        int batch = 6;
        float[] w = new float[rows * cols];
        boolean[] mask = SparseUpdater.uniformMask(r, rows * cols, 40);
        for (int i = 0; i < w.length; i++) {
            w[i] = mask[i] ? (float) r.nextGaussian() : 0f;
        }
        CsrLayer l = CsrLayer.fromDense("fc", rows, cols, w, mask, new float[rows]);
        float[] in = new float[cols * batch];
        float[] dOut = new float[rows * batch];
        for (int i = 0; i < dOut.length; i++) {
            dOut[i] = (float) r.nextGaussian();
        }
        float[] dIn = new float[cols * batch];
        try (WorkerPool pool = new WorkerPool(2)) {
            l.backward(dOut, in, dIn, batch, pool);
        }
        for (int c = 0; c < cols; c++) {
            for (int b = 0; b < batch; b++) {
                double s = 0;
                for (int o = 0; o < rows; o++) {
                    s += w[o * cols + c] * dOut[o * batch + b];
                }
                assertThat((double) dIn[c * batch + b])
                        .isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        assertThat(l.toDense()).containsExactly(w);
    }

    @Test
    void streamingSelectionEqualsTheInMemoryOne() {
        SplittableRandom r = new SplittableRandom(9);
        float[] scores = new float[5000];
        boolean[] candidate = new boolean[scores.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) Math.floor(r.nextDouble() * 50); // many ties
            candidate[i] = r.nextInt(3) > 0;
        }
        int[] expected = TopK.largest(scores, candidate, 1700);
        Arrays.sort(expected);
        StreamingTopK s = new StreamingTopK(1700);
        for (int i = 0; i < scores.length; i++) {
            if (candidate[i]) {
                s.offer(TopK.key(scores[i], i, true));
            }
        }
        long[] got = s.result();
        int[] idx = new int[got.length];
        for (int i = 0; i < got.length; i++) {
            idx[i] = (int) TopK.index(got[i]);
        }
        Arrays.sort(idx);
        assertThat(idx).containsExactly(expected);
    }

    @Test
    void sampledPositionsAreDistinctSortedAndExact() {
        long size = 1L << 33;
        long[] p = CsrSession.samplePositions(new SplittableRandom(1), size, 200_000);
        assertThat(p).hasSize(200_000);
        for (int i = 1; i < p.length; i++) {
            assertThat(p[i]).isGreaterThan(p[i - 1]);
        }
        assertThat(p[p.length - 1]).isLessThan(size);
    }

    static TrainConfig config(String method) {
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.model = "mlp-64-32";
        c.dataset = "synthetic";
        c.epochs = 2;
        c.batchSize = 50;
        c.maxStepsPerEpoch = 30;
        c.lr = 0.05;
        c.sparsity = 0.8;
        c.updateInterval = 7;
        c.validationFraction = 0.1;
        c.threads = 2;
        return c;
    }

    static DataSplits data(TrainConfig c) {
        return DataSplits.load(c.dataset, Path.of("."), c.validationFraction, c.seed);
    }

    /** Trains a config on the CSR backend through the one Trainer. */
    static RunSummary csr(TrainConfig c, RunFolder folder) {
        TrainConfig s = c.copy();
        s.exec = "sparse";
        return new Trainer(
                        s,
                        data(s),
                        folder,
                        Methods.hooksFor(s),
                        folder != null
                                && folder.dir() != null
                                && java.nio.file.Files.isRegularFile(folder.lastCheckpoint()))
                .chooseBackend()
                .run();
    }

    /** Reads the CSR network a run's last checkpoint holds. */
    static SparseMlp network(TrainConfig c, Path dir, WorkerPool pool) {
        return SparseCheckpoint.network(
                dir.resolve("checkpoints/last.ckpt"), CsrSession.specs(c, data(c)), pool);
    }

    /** Captures the dense path's final weights. */
    static final class WeightCapture implements TrainingHook {
        final Map<String, float[]> weights = new LinkedHashMap<>();

        @Override
        public void onTrainingEnd(RunContext run) {
            for (NamedParameter p : run.model().prunableWeights()) {
                weights.put(p.layer().name(), p.array().toFloatArray());
            }
        }
    }

    @Test
    void trainingMatchesTheMaskedDensePathStepForStep(@TempDir Path tmp) {
        for (String method : List.of("static", "set", "rigl", "snfs")) {
            TrainConfig c = config(method);
            List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(c));
            WeightCapture capture = new WeightCapture();
            hooks.add(capture);
            TrainConfig engine = c.copy();
            engine.exec = "dense";
            RunSummary dense =
                    new Trainer(engine, data(c), null, hooks, false).chooseBackend().run();
            SparseUpdater updater = (SparseUpdater) hooks.get(0);
            RunSummary s = csr(c, RunFolder.open(tmp.resolve(method), RunFolder.Mode.NEW));
            assertThat(s.extra()).containsEntry("exec", "sparse");
            assertThat(dense.extra()).doesNotContainKey("exec");
            assertThat(s.testAccuracy())
                    .as(method)
                    .isCloseTo(dense.testAccuracy(), org.assertj.core.data.Offset.offset(0.001));
            assertThat(s.nonzeroParams()).as(method).isEqualTo(dense.nonzeroParams());
            assertThat(s.trainFlops())
                    .as(method)
                    .isCloseTo(
                            dense.trainFlops(),
                            org.assertj.core.data.Percentage.withPercentage(1e-9));
            try (WorkerPool pool = new WorkerPool(1)) {
                for (CsrLayer l : network(c, tmp.resolve(method), pool).layers()) {
                    boolean[] expectedMask = updater.masks().get(l.name());
                    float[] w = l.toDense();
                    boolean[] mask = new boolean[w.length];
                    for (long p : l.positions()) {
                        mask[(int) p] = true;
                    }
                    assertThat(mask)
                            .as(method + " " + l.name() + " mask")
                            .containsExactly(expectedMask);
                    assertThat(maxRelativeError(capture.weights.get(l.name()), w))
                            .as(method + " " + l.name())
                            .isLessThan(1e-4f);
                }
            }
        }
    }

    @Test
    void everyLayerKeepsItsExactCountThroughRewiring(@TempDir Path tmp) {
        TrainConfig c = config("rigl");
        c.updateInterval = 1;
        c.epochs = 1;
        List<LayerSpec> specs = CsrSession.specs(c, data(c));
        Map<String, Long> keep = CsrSession.allocation(c, specs).keep();
        RunSummary s = csr(c, RunFolder.open(tmp, RunFolder.Mode.OVERWRITE));
        assertThat(((Number) s.extra().get("mask_updates")).longValue()).isGreaterThan(10);
        try (WorkerPool pool = new WorkerPool(1)) {
            for (CsrLayer l : network(c, tmp, pool).layers()) {
                assertThat((long) l.nnz()).isEqualTo(keep.get(l.name()));
                assertThat(Arrays.stream(l.positions()).distinct().count()).isEqualTo(l.nnz());
            }
        }
    }

    @Test
    void resumedRunEndsLikeAnUninterruptedOne(@TempDir Path tmp) {
        TrainConfig c = config("rigl");
        c.epochs = 3;
        c.exec = "sparse";
        c.checkpointEvery = 11; // mid-epoch checkpoints: the CSR backend has them too now
        RunSummary whole = csr(c, RunFolder.open(tmp.resolve("whole"), RunFolder.Mode.NEW));
        Path dir = tmp.resolve("killed");
        Trainer killed =
                new Trainer(
                                c,
                                data(c),
                                RunFolder.open(dir, RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .chooseBackend()
                        .onEpoch(
                                m -> {
                                    if (m.epoch() == 2) {
                                        throw new IllegalStateException("killed");
                                    }
                                });
        assertThatThrownBy(killed::run).hasMessage("killed");
        RunSummary resumed = csr(c, RunFolder.open(dir, RunFolder.Mode.RESUME));
        assertThat(resumed.testAccuracy()).isEqualTo(whole.testAccuracy());
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
        assertThat(resumed.epochs()).isEqualTo(3);
    }

    @Test
    void aRunKilledMidEpochResumesIdenticallyOnTheCsrBackend(@TempDir Path tmp) {
        TrainConfig c = config("rigl");
        c.exec = "sparse";
        c.checkpointEvery = 11;
        RunSummary whole = csr(c, RunFolder.open(tmp.resolve("whole"), RunFolder.Mode.NEW));
        Path dir = tmp.resolve("killed");
        // Killed at step 40: mid-epoch 2, after the checkpoint of step 33.
        Trainer killed =
                new Trainer(
                                c,
                                data(c),
                                RunFolder.open(dir, RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .chooseBackend()
                        .onStep(
                                step -> {
                                    if (step == 40) {
                                        throw new IllegalStateException("killed");
                                    }
                                });
        assertThatThrownBy(killed::run).hasMessage("killed");
        RunSummary resumed = csr(c, RunFolder.open(dir, RunFolder.Mode.RESUME));
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
        // The connections moved by the updates before the kill are in the checkpoint: every
        // epoch line lists the same updates as the uninterrupted run's.
        assertThat(maskChanges(dir)).isEqualTo(maskChanges(tmp.resolve("whole"))).isNotEmpty();
    }

    private static List<String> maskChanges(Path run) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : java.nio.file.Files.readAllLines(run.resolve("metrics.jsonl"))) {
                out.add(
                        dev.sprig.train.Json.JSON
                                .readTree(line)
                                .path(dev.sprig.sparse.MaskChangeLog.KEY)
                                .toString());
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void autoPicksTheSparsePathOnlyWhenItQualifies() {
        TrainConfig c = config("rigl");
        List<LayerSpec> mlp = ModelZoo.specs("lenet-300-100", 1, 28, 10, 1);
        List<LayerSpec> cnn = ModelZoo.specs("lenet-5", 1, 28, 10, 1);
        c.sparsity = 0.95;
        assertThat(ExecutionPath.choose(c, mlp, Device.cpu())).isEqualTo(ExecutionPath.SPARSE);
        assertThat(ExecutionPath.choose(c, cnn, Device.cpu())).isEqualTo(ExecutionPath.SPARSE);
        assertThat(ExecutionPath.choose(c, mlp, Device.gpu())).isEqualTo(ExecutionPath.DENSE);
        c.sparsity = 0.8; // an MLP's sparse path pays from 0.5, a CNN's from 0.9
        assertThat(ExecutionPath.choose(c, mlp, Device.cpu())).isEqualTo(ExecutionPath.SPARSE);
        assertThat(ExecutionPath.choose(c, cnn, Device.cpu())).isEqualTo(ExecutionPath.DENSE);
        c.sparsity = 0.3;
        assertThat(ExecutionPath.choose(c, mlp, Device.cpu())).isEqualTo(ExecutionPath.DENSE);
        c.exec = "sparse";
        assertThat(ExecutionPath.choose(c, mlp, Device.cpu())).isEqualTo(ExecutionPath.SPARSE);
        c.method = "gmp";
        assertThatThrownBy(() -> ExecutionPath.choose(c, mlp, Device.cpu()))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("gmp");
        c.method = "rigl";
        assertThat(ExecutionPath.choose(c, cnn, Device.cpu())).isEqualTo(ExecutionPath.SPARSE);
        List<LayerSpec> grouped = new ArrayList<>(cnn);
        LayerSpec conv = grouped.get(0);
        grouped.set(
                0,
                new LayerSpec(
                        conv.name(),
                        conv.kind(),
                        2,
                        2,
                        conv.kernel(),
                        conv.stride(),
                        2,
                        conv.inHeight(),
                        conv.inWidth(),
                        conv.outHeight(),
                        conv.outWidth(),
                        conv.bias()));
        assertThatThrownBy(() -> ExecutionPath.choose(c, grouped, Device.cpu()))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("grouped convolutions");
    }
}
