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
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
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
        RunSummary s = SparseTraining.rigl(userNet(), 1, 28, 10).sparsity(0.8).distribution("erk").epochs(2).lr(0.05)
                .set(c -> {
                    c.maxStepsPerEpoch = 20;
                    c.updateInterval = 5;
                })
                .build().fit(data, tmp.resolve("run"));
        assertThat(s.testAccuracy()).isGreaterThan(0.5); // 10 classes: chance is 0.1
        assertThat(s.sparsity()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(0.01));
        assertThat(s.trainFlops()).isLessThan(s.denseTrainFlops());
        @SuppressWarnings("unchecked")
        Map<String, Double> densities = (Map<String, Double>) s.extra().get("layer_densities");
        assertThat(densities).containsOnlyKeys("conv1", "fc1", "fc2");
        assertThat(Files.readString(tmp.resolve("run/config.yaml"))).contains("method: \"rigl\"");
        // the run folder cannot rebuild a network defined in Java: export says how to save it instead
        assertThatThrownBy(() -> dev.sprig.export.ModelExport.export(tmp.resolve("run"), tmp.resolve("x"), java.util.List.of("djl"),
                ai.djl.Device.cpu())).hasMessageContaining("Model.save");
        assertThatThrownBy(() -> dev.sprig.ensemble.MemberModel.open(tmp.resolve("run"), data.train(), ai.djl.Device.cpu()))
                .hasMessageContaining("defined in Java");
    }

    @Test
    void sameSeedSameResultAndClearErrors() {
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0, 0);
        var a = SparseTraining.of("set", userNet(), 1, 28, 10).epochs(1).set(c -> c.maxStepsPerEpoch = 5).build().fit(data, null);
        var b = SparseTraining.of("set", userNet(), 1, 28, 10).epochs(1).set(c -> c.maxStepsPerEpoch = 5).build().fit(data, null);
        assertThat(a.testLoss()).isEqualTo(b.testLoss());
        assertThatThrownBy(() -> SparseTraining.of("magic", userNet(), 1, 28, 10)).hasMessageContaining("method must be one of");
        assertThatThrownBy(() -> SparseTraining.rigl(userNet(), 1, 28, 10).sparsity(1.5).build())
                .hasMessageContaining("sparsity must be in [0, 1)");
        SequentialBlock residual = new SequentialBlock().add(new ParallelBlock(
                list -> list.get(0), List.of(Linear.builder().setUnits(10).build(), Linear.builder().setUnits(10).build())));
        assertThatThrownBy(() -> SparseTraining.rigl(new SequentialBlock().add(Blocks.batchFlattenBlock()).add(residual), 1, 28, 10)
                .build().fit(data, null)).hasMessageContaining("cannot wrap a ParallelBlock");
        assertThatThrownBy(() -> SparseTraining.rigl(userNet(), 3, 32, 10).build().fit(data, null)).hasMessageContaining("the data are");
    }
}
