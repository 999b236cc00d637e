package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.Sprig;
import dev.sprig.cost.FlopsCostModel;
import dev.sprig.cost.LayerDensities;
import dev.sprig.data.BatchSource;
import dev.sprig.data.DataSplits;
import dev.sprig.models.HostValues;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecurrentLmTest {
    @TempDir Path tmp;

    private Path text(String content) throws Exception {
        Path f = tmp.resolve("text-" + content.hashCode() + ".txt");
        Files.writeString(f, content);
        return f;
    }

    private TrainConfig config(Path file, String model, String method) {
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.model = model;
        c.dataset = "text:" + file;
        c.seqLen = 16;
        c.batchSize = 4;
        c.epochs = 2;
        c.lr = 0.5;
        c.momentum = 0.9;
        c.weightDecay = 0;
        c.clipNorm = 1;
        c.lrSchedule = "constant";
        c.validationFraction = 0;
        c.sparsity = 0.75;
        c.updateInterval = 5;
        c.exec = "dense";
        return c;
    }

    private static DataSplits data(TrainConfig c) {
        return DataSplits.load(c.dataRequest(c.seed));
    }

    @Test
    void specsAndFlopsCountEveryGateMatrixOncePerStep() {
        try (SprigModel m = ModelZoo.create("gru-8-2", 11, 1, 5, 1, Sprig.device("cpu"), 0, 1f)) {
            List<LayerSpec> l = m.layers();
            assertThat(l)
                    .extracting(LayerSpec::name)
                    .containsExactly(
                            "embed",
                            "rnn1.input",
                            "rnn1.recurrent",
                            "rnn2.input",
                            "rnn2.recurrent",
                            "head");
            assertThat(l.get(0).kind()).isEqualTo(LayerKind.EMBEDDING);
            // Per window of 10 steps: GRU matrices 24x8 (three gates), four of them, and the 5x8
            // head, 2 FLOPs per multiply-add; the embedding is a lookup.
            long perStep = 2L * (4 * 24 * 8 + 5 * 8);
            assertThat(FlopsCostModel.INSTANCE.forwardFlops(l, LayerDensities.DENSE))
                    .isEqualTo(10 * perStep);
            // Parameters: embedding 5x8, per layer 2 x (24x8 + 24), head 5x8 + 5.
            assertThat(m.parameterCount()).isEqualTo(40 + 2 * 2 * (192 + 24) + 45);
            // The embedding is trained but never pruned.
            assertThat(m.prunableWeights())
                    .extracting(NamedParameter::name)
                    .containsExactly(
                            "rnn1.input.weight",
                            "rnn1.recurrent.weight",
                            "rnn2.input.weight",
                            "rnn2.recurrent.weight",
                            "head.weight");
        }
        try (SprigModel m = ModelZoo.create("lstm-8-1", 11, 1, 5, 1, Sprig.device("cpu"), 0, 1f)) {
            assertThat(m.layers().get(1).weightShape()).containsExactly(32, 8);
        }
        assertThatThrownBy(
                        () -> ModelZoo.create("gru-8-1", 1, 28, 10, 1, Sprig.device("cpu"), 0, 1f))
                .hasMessageContaining("reads text");
    }

    @Test
    void aDenseGruLearnsAShortRepeatedSequenceByHeart() throws Exception {
        TrainConfig c = config(text("abcdefgh".repeat(300)), "gru-32-1", "dense");
        c.epochs = 6;
        RunSummary s = new Trainer(c, data(c), null, List.of(), false).run();
        // Eight characters in a fixed cycle: after a few windows the next one is certain.
        assertThat(s.testLoss()).isLessThan(0.05);
        assertThat(s.testAccuracy()).isGreaterThan(0.99);
        assertThat((double) s.extra().get("test_bits_per_character"))
                .isCloseTo(s.testLoss() / Math.log(2), within(1e-12));
    }

    @Test
    void anUntrainedUniformModelCostsLog2OfTheVocabularyBitsPerCharacter() throws Exception {
        // Two characters (and the unknown symbol): with a zero projection every prediction is
        // uniform over 3 symbols, so each character costs log2(3) = 1.585 bits.
        TrainConfig c = config(text("ab".repeat(1000)), "gru-8-1", "dense");
        DataSplits d = data(c);
        assertThat(d.test().classes()).isEqualTo(3);
        try (SprigModel m = ModelZoo.create("gru-8-1", 17, 1, 3, 1, Sprig.device("cpu"), 0, 1f)) {
            for (NamedParameter p : m.trainableParameters()) {
                if (p.name().startsWith("head.")) {
                    HostValues.write(p.array(), new float[(int) p.size()]);
                }
            }
            Evaluation e =
                    new TruncatedBptt(m)
                            .evaluate(
                                    new BatchSource(
                                            d.test(), d.normalization(), 4, false, false, 0));
            assertThat(e.loss() / Math.log(2)).isCloseTo(Math.log(3) / Math.log(2), within(1e-6));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"static", "snip", "gmp", "set", "snfs", "rigl"})
    void everyUnstructuredMethodKeepsExactCountsOnTheRecurrentMatrices(String method)
            throws Exception {
        TrainConfig c =
                config(
                        text("the quick brown fox jumps over the lazy dog. ".repeat(60)),
                        "gru-16-2",
                        method);
        c.distribution = "erk";
        List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(c));
        RunSummary s = new Trainer(c, data(c), null, hooks, false).run();
        @SuppressWarnings("unchecked")
        Map<String, Double> densities = (Map<String, Double>) s.extra().get("layer_densities");
        assertThat(densities)
                .containsOnlyKeys(
                        "rnn1.input", "rnn1.recurrent", "rnn2.input", "rnn2.recurrent", "head");
        // Exact counts: the masks hold the distribution's allocation (GMP reaches it at the end
        // of its schedule).
        if (!method.equals("gmp")) {
            assertThat(densities).isEqualTo(s.extra().get("target_layer_densities"));
        }
        assertThat(s.sparsity()).isCloseTo(0.75, within(0.002));
        assertThat(s.trainFlops()).isLessThan(s.denseTrainFlops());
    }

    @Test
    void aRunKilledMidEpochResumesWithItsCarriedStateToIdenticalFigures() throws Exception {
        Path file = text("to be or not to be, that is the question. ".repeat(80));
        TrainConfig c = config(file, "gru-16-1", "rigl");
        c.checkpointEvery = 7;
        RunSummary whole =
                new Trainer(
                                c,
                                data(c),
                                RunFolder.open(tmp.resolve("whole"), RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .run();
        Path dir = tmp.resolve("killed");
        Trainer killed =
                new Trainer(
                                c,
                                data(c),
                                RunFolder.open(dir, RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
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
                        .run();
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
        assertThat(
                        Files.readString(dir.resolve("metrics.jsonl"))
                                .replaceAll("\"epoch_seconds\"[^,]*,", ""))
                .isEqualTo(
                        Files.readString(tmp.resolve("whole/metrics.jsonl"))
                                .replaceAll("\"epoch_seconds\"[^,]*,", ""));
    }

    @Test
    void clippingBoundsTheGlobalGradientNorm() throws Exception {
        TrainConfig c = config(text("abcabcabd".repeat(200)), "gru-8-1", "dense");
        c.clipNorm = 1e-6;
        c.epochs = 1;
        c.lr = 1;
        TrainConfig free = c.copy();
        free.clipNorm = 0;
        RunSummary clipped = new Trainer(c, data(c), null, List.of(), false).run();
        RunSummary unclipped = new Trainer(free, data(free), null, List.of(), false).run();
        // A step of norm at most 1e-6 barely moves the weights: the clipped run stays near the
        // untrained loss of ln(5 symbols), while the free one learns.
        assertThat(clipped.testLoss()).isCloseTo(Math.log(5), within(0.2));
        assertThat(unclipped.testLoss()).isLessThan(clipped.testLoss() - 0.2);
    }
}
