package dev.sprig.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.sprig.data.DataSplits;
import dev.sprig.train.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A network written by a user with DJL's own blocks, outside Sprig's model zoo. */
class SparseTrainingTest {
    @TempDir Path tmp;

    private static SequentialBlock userNet() {
        return new SequentialBlock()
                .add(
                        Conv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .optPadding(new Shape(1, 1))
                                .setFilters(8)
                                .build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(32).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    @Test
    void riglTrainsAUserNetworkWithExactMaskCounts() throws Exception {
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0.1, 0);
        RunSummary s =
                SparseTraining.rigl(userNet(), 1, 28, 10)
                        .sparsity(0.8)
                        .distribution("erk")
                        .epochs(2)
                        .lr(0.05)
                        .set(
                                c -> {
                                    c.maxStepsPerEpoch = 20;
                                    c.updateInterval = 5;
                                })
                        .build()
                        .fit(data, tmp.resolve("run"));
        assertThat(s.testAccuracy()).isGreaterThan(0.5); // 10 classes: chance is 0.1
        assertThat(s.sparsity()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(0.01));
        assertThat(s.trainFlops()).isLessThan(s.denseTrainFlops());
        @SuppressWarnings("unchecked")
        Map<String, Double> densities = (Map<String, Double>) s.extra().get("layer_densities");
        assertThat(densities).containsOnlyKeys("conv1", "fc1", "fc2");
        assertThat(Files.readString(tmp.resolve("run/config.yaml"))).contains("method: \"rigl\"");
        // the run folder cannot rebuild a network defined in Java: export says how to save it
        // instead
        assertThatThrownBy(
                        () ->
                                dev.sprig.export.ModelExport.export(
                                        tmp.resolve("run"),
                                        tmp.resolve("x"),
                                        java.util.List.of("djl"),
                                        ai.djl.Device.cpu()))
                .hasMessageContaining("Model.save");
        assertThatThrownBy(
                        () ->
                                dev.sprig.ensemble.MemberModel.open(
                                        tmp.resolve("run"), data.train(), ai.djl.Device.cpu()))
                .hasMessageContaining("defined in Java");
    }

    @Test
    void sameSeedSameResultAndClearErrors() {
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0, 0);
        var a =
                SparseTraining.of("set", userNet(), 1, 28, 10)
                        .epochs(1)
                        .set(c -> c.maxStepsPerEpoch = 5)
                        .build()
                        .fit(data, null);
        var b =
                SparseTraining.of("set", userNet(), 1, 28, 10)
                        .epochs(1)
                        .set(c -> c.maxStepsPerEpoch = 5)
                        .build()
                        .fit(data, null);
        assertThat(a.testLoss()).isEqualTo(b.testLoss());
        assertThatThrownBy(() -> SparseTraining.of("magic", userNet(), 1, 28, 10))
                .hasMessageContaining("unknown method 'magic'");
        assertThatThrownBy(() -> SparseTraining.of("earlybird", userNet(), 1, 28, 10))
                .hasMessageContaining("give a supplier of fresh blocks");
        assertThatThrownBy(() -> SparseTraining.rigl(userNet(), 1, 28, 10).sparsity(1.5).build())
                .hasMessageContaining("sparsity must be in [0, 1)");
        SequentialBlock residual =
                new SequentialBlock()
                        .add(
                                new ParallelBlock(
                                        list -> list.get(0),
                                        List.of(
                                                Linear.builder().setUnits(10).build(),
                                                Linear.builder().setUnits(10).build())));
        assertThatThrownBy(
                        () ->
                                SparseTraining.rigl(
                                                new SequentialBlock()
                                                        .add(Blocks.batchFlattenBlock())
                                                        .add(residual),
                                                1,
                                                28,
                                                10)
                                        .build()
                                        .fit(data, null))
                .hasMessageContaining("cannot wrap a ParallelBlock");
        assertThatThrownBy(() -> SparseTraining.rigl(userNet(), 3, 32, 10).build().fit(data, null))
                .hasMessageContaining("the data are");
    }

    /**
     * Two batch-normed convolutions: channels Early-Bird can remove, found from the structure
     * alone.
     */
    private static SequentialBlock prunableNet() {
        return new SequentialBlock()
                .add(
                        Conv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .optPadding(new Shape(1, 1))
                                .setFilters(16)
                                .build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(
                        Conv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .optPadding(new Shape(1, 1))
                                .setFilters(16)
                                .build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    @Test
    void earlyBirdFindsPrunesAndRetrainsATicketOfAUserNetwork() throws Exception {
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0, 0);
        Path dir = tmp.resolve("eb");
        RunSummary s =
                SparseTraining.earlybird(SparseTrainingTest::prunableNet, 1, 28, 10)
                        .epochs(6)
                        .lr(0.05)
                        .batchSize(64)
                        .set(
                                c -> {
                                    c.maxStepsPerEpoch = 8;
                                    c.bnGammaInit = 0.5;
                                    c.ebQueue = 2;
                                    c.ebEpsilon = 0.2;
                                    c.ebRatios = List.of(0.3, 0.5);
                                    c.pruneRatio = 0.5;
                                    c.validationFraction = 0;
                                })
                        .build()
                        .fit(data, dir);
        int ebEpoch = ((Number) s.extra().get("eb_epoch")).intValue();
        assertThat(ebEpoch).isBetween(1, 5);
        assertThat(s.nonzeroParams()).isLessThan(s.params());
        assertThat(s.trainFlops()).isLessThan(s.denseTrainFlops());
        assertThat(s.testAccuracy()).isGreaterThan(0.3);
        // ticket.json records which channels survived, per convolution; the retrain trained exactly
        // those widths.
        var ticket =
                dev.sprig.train.Json.JSON.readTree(dir.resolve("retrain/ticket.json").toFile());
        var widths =
                dev.sprig.train.Json.readConfig(dir.resolve("retrain/config.yaml")).channelWidths;
        assertThat(widths).containsOnlyKeys("conv1", "conv2");
        for (String conv : List.of("conv1", "conv2")) {
            var kept = ticket.get("kept_channels").get(conv);
            assertThat(kept.size()).isEqualTo(widths.get(conv)).isLessThan(16);
            for (int i = 1; i < kept.size(); i++) {
                assertThat(kept.get(i).asInt()).isGreaterThan(kept.get(i - 1).asInt());
            }
            assertThat(kept.get(kept.size() - 1).asInt()).isLessThan(16);
        }
    }

    @Test
    void epiPrunesAUserNetworkUnderAFlopsBudget() throws Exception {
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0, 0);
        RunSummary s =
                SparseTraining.of("epi", SparseTrainingTest::prunableNet, 1, 28, 10)
                        .epochs(3)
                        .lr(0.05)
                        .set(
                                c -> {
                                    c.maxStepsPerEpoch = 6;
                                    c.epiPruneEpoch = 1;
                                    c.epiBudgetFraction = 0.5;
                                    c.validationFraction = 0;
                                })
                        .build()
                        .fit(data, tmp.resolve("epi"));
        assertThat(((Number) s.extra().get("prune_epoch")).intValue()).isEqualTo(1);
        assertThat(((Number) s.extra().get("resource_fraction")).doubleValue())
                .isLessThanOrEqualTo(0.5);
        assertThat(s.inferenceFlops())
                .isLessThan((long) (0.55 * SparseTrainingTest.denseInferenceFlops()));
    }

    private static double denseInferenceFlops() {
        var specs =
                dev.sprig.models.Blueprint.wrapped("x", SparseTrainingTest::prunableNet, 1, 28, 10)
                        .specs(Map.of());
        return dev.sprig.cost.FlopsCostModel.INSTANCE.forwardFlops(
                specs, dev.sprig.cost.LayerDensities.DENSE);
    }
}
