package dev.sprig.sparse.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.data.BatchSource;
import dev.sprig.data.DataSplits;
import dev.sprig.models.HostValues;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GRU language model on the sparse path against the engine's GRU with the same weights and
 * masks: one window's loss, every gradient (stored weights, biases, embedding, RigL's dense
 * gradients), the carried state and evaluation; then whole runs on both paths, exact counts per
 * method, and a killed sparse run that resumes to identical figures.
 */
class SparseGruTest {
    private static final String TEXT =
            "the quick brown fox jumps over the lazy dog; a stitch in time saves nine. ";

    @TempDir Path tmp;

    private TrainConfig config(String method, String model) throws Exception {
        Path f = tmp.resolve("corpus.txt");
        if (!Files.exists(f)) {
            Files.writeString(f, TEXT.repeat(40));
        }
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.model = model;
        c.dataset = "text:" + f;
        c.seqLen = 12;
        c.batchSize = 5;
        c.epochs = 2;
        c.lr = 0.5;
        c.momentum = 0.9;
        c.weightDecay = 1e-4;
        c.clipNorm = 1;
        c.lrSchedule = "constant";
        c.validationFraction = 0;
        c.sparsity = 0.6;
        c.distribution = "uniform";
        c.updateInterval = 4;
        c.exec = "sparse";
        c.threads = 2;
        return c;
    }

    private static DataSplits data(TrainConfig c) {
        return DataSplits.load(c.dataRequest(c.seed));
    }

    /** Engine gradients of one window, from a given state; returns the state after it. */
    private record EngineWindow(
            double loss, Map<String, float[]> grads, NDList state, float[] logits) {}

    private static EngineWindow engineWindow(
            SprigModel model, BatchSource.Batch batch, NDList state, NDManager m) {
        Engine engine = Sprig.engine();
        int rows = batch.size();
        int width = batch.images().length / rows;
        NDArray windows = m.create(batch.images(), new Shape(rows, width));
        NDList in = new NDList(windows.get(new NDIndex(":, 0:" + (width - 1))));
        if (state != null) {
            in.addAll(state);
        }
        NDArray targets =
                windows.get(new NDIndex(":, 1:")).toType(DataType.INT64, false).reshape(-1);
        double loss;
        NDList out;
        NDArray logits;
        try (GradientCollector gc = engine.newGradientCollector()) {
            out = model.forwardAll(in, true);
            logits = out.head().reshape(-1, out.head().getShape().get(2));
            NDArray l =
                    logits.logSoftmax(1)
                            .get(new NDIndex().addAllDim().addPickDim(targets.expandDims(1)))
                            .neg()
                            .mean();
            gc.backward(l);
            loss = l.getFloat();
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (NamedParameter p : model.trainableParameters()) {
            grads.put(p.name(), p.array().getGradient().toFloatArray());
        }
        NDList next = new NDList();
        for (NDArray a : out.subList(1, out.size())) {
            next.add(a.stopGradient());
        }
        return new EngineWindow(loss, grads, next, logits.toFloatArray());
    }

    /** Max |a − b| over max |b|, over the positions where {@code at} is true (all when null). */
    private static double relativeError(float[] a, float[] b, boolean[] at) {
        double diff = 0;
        double scale = 1e-12;
        for (int i = 0; i < b.length; i++) {
            if (at == null || at[i]) {
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(b[i]));
            }
        }
        return diff / scale;
    }

    @Test
    void oneWindowMatchesTheEngineGruInLossGradientsStateAndLogits() throws Exception {
        TrainConfig c = config("static", "gru-12-2");
        // 36 streams: a group of 32 and one of 4 (the columns are ordered by group).
        Path longer = tmp.resolve("longer.txt");
        Files.writeString(longer, TEXT.repeat(120));
        c.dataset = "text:" + longer;
        c.batchSize = 36;
        c.seqLen = 8;
        DataSplits d = data(c);
        Device cpu = Sprig.device("cpu");
        try (WorkerPool pool = new WorkerPool(2);
                SprigModel model = Trainer.buildModel(c, d.train(), cpu);
                NDManager m = NDManager.newBaseManager(cpu)) {
            SparseGru net = SparseGru.initial(c, d.train(), cpu, pool);
            // The engine model with the same masks applied to its weights.
            List<boolean[]> masks = new ArrayList<>();
            List<NamedParameter> prunable = model.prunableWeights();
            for (int i = 0; i < prunable.size(); i++) {
                CsrLayer l = net.layers().get(i);
                boolean[] mask = new boolean[l.rows() * l.cols()];
                for (long p : l.positions()) {
                    mask[(int) p] = true;
                }
                masks.add(mask);
                float[] w = prunable.get(i).array().toFloatArray();
                assertThat(l.toDense()).hasSize(w.length);
                for (int k = 0; k < w.length; k++) {
                    w[k] = mask[k] ? w[k] : 0f;
                }
                assertThat(l.toDense()).containsExactly(w);
                HostValues.write(prunable.get(i).array(), w);
            }
            BatchSource train =
                    new BatchSource(d.train(), d.normalization(), c.batchSize, false, false, 0);
            BatchSource.Batch first = train.batch(0, 0);
            BatchSource.Batch second = train.batch(0, 1);

            EngineWindow e0 = engineWindow(model, first, null, m);
            for (NamedParameter p : model.trainableParameters()) {
                p.array().getGradient().muli(0);
            }
            EngineWindow e1 = engineWindow(model, second, e0.state(), m);

            net.resetState();
            SparseMlp.BatchResult s0 = net.train(first, 0);
            assertThat(s0.loss()).isCloseTo(e0.loss(), within(1e-5));
            // The carried state after the first window is the engine's.
            for (int k = 0; k < 2; k++) {
                float[] engineState = e0.state().get(k).toFloatArray(); // (1, streams, width)
                float[] sparseState = transpose(net.state()[k], 12, c.batchSize);
                assertThat(relativeError(sparseState, engineState, null)).isLessThan(1e-5);
            }
            SparseMlp.BatchResult s1 = net.train(second, 0);
            assertThat(s1.loss()).isCloseTo(e1.loss(), within(1e-5));

            // Gradients of the second window (which started from the carried state).
            for (int i = 0; i < prunable.size(); i++) {
                CsrLayer l = net.layers().get(i);
                float[] engineGrad = e1.grads().get(prunable.get(i).name());
                float[] sparseGrad = scatter(l, l.grad());
                assertThat(relativeError(sparseGrad, engineGrad, masks.get(i)))
                        .as(l.name() + " weight gradient at stored positions")
                        .isLessThan(1e-4);
                assertThat(relativeError(l.biasGrad(), e1.grads().get(l.name() + ".bias"), null))
                        .as(l.name() + " bias gradient")
                        .isLessThan(1e-4);
                // RigL's dense gradient, everywhere.
                try (WeightGradient g = net.denseGradient(i, cpu)) {
                    assertThat(relativeError(g.rows(0, l.rows()), engineGrad, null))
                            .as(l.name() + " dense gradient")
                            .isLessThan(1e-4);
                }
            }
            assertThat(
                            relativeError(
                                    net.embeddingGradient(),
                                    e1.grads().get("embed.embedding"),
                                    null))
                    .isLessThan(1e-4);

            // Evaluation mode from zeros: the logits of the first window.
            float[] logits = net.forward(first.images(), first.size());
            int cols = c.seqLen * c.batchSize;
            int vocabulary = logits.length / cols;
            float[] byRow = new float[logits.length];
            for (int v = 0; v < vocabulary; v++) {
                for (int step = 0; step < c.seqLen; step++) {
                    for (int s = 0; s < c.batchSize; s++) {
                        // engine rows: stream-major (stream, step); sparse columns: step · streams
                        byRow[(s * c.seqLen + step) * vocabulary + v] =
                                logits[v * cols + SparseGru.column(step, s, c.seqLen, c.batchSize)];
                    }
                }
            }
            assertThat(relativeError(byRow, e0.logits(), null)).isLessThan(1e-5);
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

    private static float[] scatter(CsrLayer l, float[] stored) {
        float[] dense = new float[l.rows() * l.cols()];
        long[] pos = l.positions();
        for (int k = 0; k < pos.length; k++) {
            dense[(int) pos[k]] = stored[k];
        }
        return dense;
    }

    @ParameterizedTest
    @ValueSource(strings = {"static", "set"})
    void trainingOnBothPathsEndsWithTheSameMasksAndFigures(String method) throws Exception {
        TrainConfig sparse = config(method, "gru-16-1");
        TrainConfig dense = sparse.copy();
        dense.exec = "dense";
        RunSummary a =
                new Trainer(sparse, data(sparse), null, Methods.hooksFor(sparse), false)
                        .chooseBackend()
                        .run();
        RunSummary b =
                new Trainer(dense, data(dense), null, Methods.hooksFor(dense), false)
                        .chooseBackend()
                        .run();
        assertThat(a.extra().get("exec")).isEqualTo("sparse");
        assertThat(b.extra()).doesNotContainEntry("exec", "sparse");
        assertThat(a.extra().get("layer_densities"))
                .isNotNull()
                .isEqualTo(b.extra().get("layer_densities"));
        assertThat(a.testLoss()).isCloseTo(b.testLoss(), within(1e-3));
        assertThat(a.testAccuracy()).isCloseTo(b.testAccuracy(), within(0.01));
        assertThat(a.trainFlops()).isEqualTo(b.trainFlops());
    }

    @ParameterizedTest
    @ValueSource(strings = {"static", "set", "snfs", "rigl"})
    void everyMethodOfTheSparsePathKeepsExactCounts(String method) throws Exception {
        TrainConfig c = config(method, "gru-16-2");
        c.epochs = 1;
        RunSummary s =
                new Trainer(c, data(c), null, Methods.hooksFor(c), false).chooseBackend().run();
        assertThat(s.extra().get("exec")).isEqualTo("sparse");
        assertThat(s.extra().get("layer_densities"))
                .isEqualTo(s.extra().get("target_layer_densities"));
        assertThat(s.sparsity()).isCloseTo(0.6, within(0.002));
        assertThat((double) s.extra().get("test_bits_per_character")).isFinite();
    }

    @Test
    void aKilledSparseRunResumesWithItsStateToIdenticalFigures() throws Exception {
        TrainConfig c = config("rigl", "gru-16-1");
        c.checkpointEvery = 7;
        RunSummary whole =
                new Trainer(
                                c,
                                data(c),
                                RunFolder.open(tmp.resolve("whole"), RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .chooseBackend()
                        .run();
        Path dir = tmp.resolve("killed");
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
                                    if (step == 10) {
                                        throw new IllegalStateException("killed");
                                    }
                                });
        assertThatThrownBy(killed::run).hasMessage("killed");
        RunSummary resumed =
                new Trainer(
                                c,
                                data(c),
                                RunFolder.open(dir, RunFolder.Mode.RESUME),
                                Methods.hooksFor(c),
                                true)
                        .chooseBackend()
                        .run();
        assertThat(resumed.extra().get("exec")).isEqualTo("sparse");
        // The trained network, copied into the engine's model (what export and evaluation read),
        // scores the test text as the sparse path did.
        DataSplits d = data(c);
        BatchSource test =
                new BatchSource(d.test(), d.normalization(), c.batchSize, false, false, 0);
        double lossSum = 0;
        long tokens = 0;
        try (SprigModel m =
                        dev.sprig.export.ModelExport.load(
                                tmp.resolve("whole"), Sprig.device("cpu"));
                NDManager manager = NDManager.newBaseManager(Sprig.device("cpu"))) {
            NDList state = null;
            for (int i = 0; i < test.batchesPerEpoch(); i++) {
                BatchSource.Batch batch = test.batch(0, i);
                EngineWindow w = engineWindow(m, batch, state, manager);
                int n = batch.size() * (batch.images().length / batch.size() - 1);
                lossSum += w.loss() * n;
                tokens += n;
                state = w.state();
            }
        }
        assertThat(lossSum / tokens).isCloseTo(whole.testLoss(), within(1e-4 * whole.testLoss()));
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(
                        Files.readString(dir.resolve("metrics.jsonl"))
                                .replaceAll("\"(epoch_seconds|samples_per_s)\"[^,]*,", ""))
                .isEqualTo(
                        Files.readString(tmp.resolve("whole/metrics.jsonl"))
                                .replaceAll("\"(epoch_seconds|samples_per_s)\"[^,]*,", ""));
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() throws Exception {
        // 40 streams: a full group of 32 and a partial one of 8, on one worker or two.
        TrainConfig one = config("set", "gru-24-2");
        Path longer = tmp.resolve("longer.txt");
        Files.writeString(longer, TEXT.repeat(120));
        one.dataset = "text:" + longer;
        one.batchSize = 40;
        one.seqLen = 6;
        one.threads = 1;
        TrainConfig two = one.copy();
        two.threads = 2;
        RunSummary a =
                new Trainer(
                                one,
                                data(one),
                                RunFolder.open(tmp.resolve("one"), RunFolder.Mode.NEW),
                                Methods.hooksFor(one),
                                false)
                        .chooseBackend()
                        .run();
        RunSummary b =
                new Trainer(
                                two,
                                data(two),
                                RunFolder.open(tmp.resolve("two"), RunFolder.Mode.NEW),
                                Methods.hooksFor(two),
                                false)
                        .chooseBackend()
                        .run();
        assertThat(a.extra().get("exec")).isEqualTo("sparse");
        assertThat(a.testLoss()).isEqualTo(b.testLoss());
        String timing = "\"(epoch_seconds|samples_per_s)\"[^,]*,";
        assertThat(Files.readString(tmp.resolve("one/metrics.jsonl")).replaceAll(timing, ""))
                .isEqualTo(
                        Files.readString(tmp.resolve("two/metrics.jsonl")).replaceAll(timing, ""));
    }

    @Test
    void theGatesTanhAndSigmoidAreWithinFourTenMillionthsOfTheTrueOnes() {
        org.assertj.core.api.Assumptions.assumeThat(Kernels.VECTOR).isTrue();
        var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] x = new float[species.length()];
        float[] t = new float[x.length];
        float[] g = new float[x.length];
        for (int round = 0; round < 4000; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (round % 2 == 0 ? r.nextDouble() * 40 - 20 : r.nextGaussian());
            }
            var v = jdk.incubator.vector.FloatVector.fromArray(species, x, 0);
            VectorKernels.tanh(v).intoArray(t, 0);
            VectorKernels.sigmoid(v).intoArray(g, 0);
            for (int i = 0; i < x.length; i++) {
                assertThat((double) t[i])
                        .as("tanh(%s)", x[i])
                        .isCloseTo(Math.tanh(x[i]), within(4e-7));
                assertThat((double) g[i])
                        .as("sigmoid(%s)", x[i])
                        .isCloseTo(1 / (1 + Math.exp(-x[i])), within(4e-7));
            }
        }
    }

    @Test
    void lstmModelsAndClippedCnnsStayOnTheEngineWithAReason() throws Exception {
        TrainConfig lstm = config("rigl", "lstm-8-1");
        List<LayerSpec> specs = CsrSession.specs(lstm, data(lstm));
        assertThat(ExecutionPath.whyNotSparse(lstm, specs)).contains("LSTM");
        assertThatThrownBy(
                        () ->
                                ExecutionPath.choose(
                                        lstm, specs, Sprig.device("cpu"), (ExecProbe) null))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("--exec sparse");
        TrainConfig cnn = new TrainConfig();
        cnn.method = "rigl";
        cnn.model = "resnet-8";
        cnn.dataset = "synthetic";
        cnn.sparsity = 0.9;
        cnn.clipNorm = 1;
        List<LayerSpec> cnnSpecs = dev.sprig.models.ModelZoo.specs("resnet-8", 3, 32, 10, 1);
        assertThat(ExecutionPath.whyNotSparse(cnn, cnnSpecs)).contains("clip_norm");
        // Under auto, a GRU goes to the sparse path from the measured sparsity on.
        TrainConfig gru = config("rigl", "gru-16-1");
        gru.exec = "auto";
        List<LayerSpec> gruSpecs = CsrSession.specs(gru, data(gru));
        assertThat(ExecutionPath.choose(gru, gruSpecs, Sprig.device("cpu"), (ExecProbe) null))
                .isEqualTo(ExecutionPath.DENSE);
        assertThat(ExecutionPath.whyEngine(gru, gruSpecs)).contains("below 0.90").contains("GRU");
        gru.sparsity = ExecutionPath.AUTO_MIN_SPARSITY_RNN;
        assertThat(ExecutionPath.choose(gru, gruSpecs, Sprig.device("cpu"), (ExecProbe) null))
                .isEqualTo(ExecutionPath.SPARSE);
    }
}
