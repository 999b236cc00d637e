package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.train.TrainConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * ER and ERK on a network with convolutions (LeNet-5: conv1 20x1x5x5, conv2 50x20x5x5, fc1 500x800,
 * fc2 10x500; 430,500 weights), selection helpers and pruning settings, by hand.
 */
class AllocationByHandTest {
    private static List<LayerSpec> lenet5() {
        return ModelZoo.specs("lenet-5", 1, 28, 10, 1.0).stream()
                .filter(l -> l.kind().isPrunable())
                .toList();
    }

    @Test
    void erkCountsKernelDimensionsAndErDoesNotOnLeNet5() {
        // S = 0.9, budget 43,050. ERK p_l N_l = sum of dims: 31, 80, 1300, 510. conv1 (1.4x
        // over) and fc2 go dense: eps = (43,050 - 500 - 5,000) / (80 + 1,300) = 27.2101449;
        // conv2 keeps 27.21 * 80 = 2,176.8 -> 2,177, fc1 27.21 * 1,300 = 35,373.2 -> 35,373.
        LayerAllocation erk = SparsityDistribution.erk().allocate(lenet5(), 0.9);
        assertThat(erk.keep().keySet()).containsExactly("conv1", "conv2", "fc1", "fc2");
        assertThat(erk.keep())
                .containsEntry("conv1", 500L)
                .containsEntry("conv2", 2_177L)
                .containsEntry("fc1", 35_373L)
                .containsEntry("fc2", 5_000L);
        // ER ignores the kernel: p = (c_out + c_in) / (c_out c_in): conv1 1.05, conv2 0.07. conv1
        // and fc2 go dense; eps = 37,550 / (0.07 * 25,000 + 1,300) = 12.3114754; conv2 keeps
        // 0.86180 * 25,000 = 21,545, fc1 16,004.9 -> 16,005.
        LayerAllocation er = SparsityDistribution.er().allocate(lenet5(), 0.9);
        assertThat(er.keep().get("conv1")).isEqualTo(500L);
        assertThat(er.keep().get("conv2")).isEqualTo(21_545L);
        assertThat(er.keep().get("fc1")).isEqualTo(16_005L);
        assertThat(er.keep().get("fc2")).isEqualTo(5_000L);
    }

    @Test
    void everyDistributionChecksItsSparsityAndCustomDensitiesTheirRange() {
        for (SparsityDistribution d :
                List.of(
                        SparsityDistribution.uniform(false, false),
                        SparsityDistribution.custom(Map.of()),
                        SparsityDistribution.er())) {
            assertThatThrownBy(() -> d.allocate(lenet5(), 1.0))
                    .isInstanceOf(SprigException.class)
                    .hasMessageContaining("sparsity must be in [0, 1), got 1.0");
        }
        LayerAllocation ends =
                SparsityDistribution.custom(Map.of("conv1", 0.0, "fc2", 1.0))
                        .allocate(lenet5(), 0.5);
        assertThat(ends.keep()).containsEntry("conv1", 0L).containsEntry("fc2", 5_000L);
        assertThatThrownBy(
                        () ->
                                SparsityDistribution.custom(Map.of("conv1", 1.01))
                                        .allocate(lenet5(), 0.5))
                .hasMessageContaining("density of conv1 must be in [0, 1], got 1.01");
        assertThatThrownBy(
                        () ->
                                SparsityDistribution.custom(Map.of("conv1", -0.01))
                                        .allocate(lenet5(), 0.5))
                .hasMessageContaining("density of conv1 must be in [0, 1]");
    }

    @Test
    void aStreamingSelectionKeepsTheKSmallestKeysThroughManyCompactions() {
        SplittableRandom r = new SplittableRandom(9);
        long[] keys = new long[5000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = TopK.key((float) r.nextGaussian(), i, true);
        }
        for (int k : new int[] {1, 7, 600}) {
            StreamingTopK s = new StreamingTopK(k);
            for (long key : keys) {
                s.offer(key);
            }
            long[] sorted = keys.clone();
            Arrays.sort(sorted);
            assertThat(s.result()).as("k = %d", k).containsExactly(Arrays.copyOf(sorted, k));
        }
        StreamingTopK few = new StreamingTopK(3);
        few.offer(5);
        few.offer(1);
        assertThatThrownBy(few::result).hasMessageContaining("asked for 3 keys, only 2 offered");
    }

    @Test
    void schedulesPlaceJumpsByEpochAndUpdatesFromAnOffsetBegin() {
        TrainConfig c = new TrainConfig();
        c.epochs = 10;
        c.explorationEpochs = new java.util.ArrayList<>(List.of(3, 7));
        c.explorationFraction = 0.8;
        DropSchedule s = DropSchedule.of(c, 1000);
        assertThat(s.jumpSteps()).containsExactly(300L, 700L);
        // begin 30, interval 100: updates at 30, 130, ..., not at 100 or 0.
        DropSchedule offset = new DropSchedule(30, 1000, 100, 0.3, false);
        assertThat(offset.isUpdateStep(30)).isTrue();
        assertThat(offset.isUpdateStep(130)).isTrue();
        assertThat(offset.isUpdateStep(100)).isFalse();
        assertThat(offset.isUpdateStep(170)).isFalse();
    }

    @Test
    void pruningSettingsAtTheirEdges() {
        TrainConfig c = new TrainConfig();
        c.lthRounds = 1;
        c.rewindStep = 0;
        PruningOptions o = PruningOptions.from(c);
        assertThat(o.lthRounds()).isEqualTo(1);
        assertThat(o.rewindStep()).isZero();
        assertThat(o.pruneFrom()).isNull();
        c.pruneFrom = " ";
        assertThat(PruningOptions.from(c).pruneFrom()).isNull();
        c.pruneFrom = "runs/dense";
        assertThat(PruningOptions.from(c).pruneFrom()).isEqualTo("runs/dense");
        c.lthRounds = 0;
        assertThatThrownBy(() -> PruningOptions.from(c))
                .hasMessageContaining("lth_rounds must be at least 1, got 0");
        c.lthRounds = 1;
        c.rewindStep = -1;
        assertThatThrownBy(() -> PruningOptions.from(c))
                .hasMessageContaining("rewind_step must be >= 0, got -1");
    }
}
