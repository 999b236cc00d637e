package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import dev.sprig.train.TrainConfig;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The sparse families' settings at the edges of their ranges, and SNFS's momentum by hand. */
class SparseOptionsTest {
    private static TrainConfig with(Consumer<TrainConfig> set) {
        TrainConfig c = new TrainConfig();
        set.accept(c);
        return c;
    }

    private static void accepted(Function<TrainConfig, ?> parse, Consumer<TrainConfig> set) {
        assertThat(parse.apply(with(set))).isNotNull();
    }

    private static void refused(
            Function<TrainConfig, ?> parse, Consumer<TrainConfig> set, String message) {
        assertThatThrownBy(() -> parse.apply(with(set)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void dynamicSparseSettings() {
        Function<TrainConfig, ?> p = DynamicSparseOptions::from;
        accepted(p, c -> c.updateInterval = 1);
        refused(p, c -> c.updateInterval = 0, "update_interval must be at least 1, got 0");
        accepted(p, c -> c.dropFraction = 0);
        accepted(p, c -> c.dropFraction = 1);
        refused(p, c -> c.dropFraction = -0.01, "drop_fraction must be in [0, 1]");
        refused(p, c -> c.dropFraction = 1.01, "drop_fraction must be in [0, 1]");
        accepted(
                p,
                c -> {
                    c.beginFraction = 0;
                    c.endFraction = 1;
                });
        accepted(
                p,
                c -> {
                    c.beginFraction = 0.5;
                    c.endFraction = 0.51;
                });
        refused(p, c -> c.beginFraction = -0.1, "need 0 <= begin_fraction < end_fraction <= 1");
        refused(
                p,
                c -> {
                    c.beginFraction = 0.5;
                    c.endFraction = 0.5;
                },
                "got 0.5 and 0.5");
        refused(p, c -> c.endFraction = 1.01, "begin_fraction < end_fraction <= 1");
        accepted(p, c -> c.snfsDecay = 0);
        refused(p, c -> c.snfsDecay = 1, "snfs_decay must be in [0, 1), got 1.0");
        refused(p, c -> c.snfsDecay = -0.1, "snfs_decay must be in [0, 1)");
        accepted(p, c -> c.maskHistoryEvery = 0);
        refused(p, c -> c.maskHistoryEvery = -1, "mask_history_every must be >= 0");
        DynamicSparseOptions o = DynamicSparseOptions.from(with(c -> c.dropSchedule = "constant"));
        assertThat(o.decay()).isEqualTo(DynamicSparseOptions.Decay.CONSTANT);
    }

    @Test
    void sparsitySettings() {
        Function<TrainConfig, ?> p = SparsityOptions::from;
        accepted(p, c -> c.sparsity = 0);
        accepted(p, c -> c.sparsity = 0.999);
        refused(p, c -> c.sparsity = -0.001, "sparsity must be in [0, 1)");
        refused(p, c -> c.sparsity = 1, "sparsity must be in [0, 1), got 1.0");
        refused(p, c -> c.distribution = null, "distribution must be uniform, er or erk, got null");
        refused(p, c -> c.distribution = "gauss", "distribution must be");
        accepted(p, c -> c.layerDensities = Map.of("fc1", 1.0));
        refused(
                p,
                c -> c.layerDensities = Map.of("fc1", 0.0),
                "layer_densities must lie in (0, 1]");
        refused(p, c -> c.layerDensities = Map.of("fc1", 1.01), "fc1=1.01");
        // Explicit densities win over the named distribution, whose name is still checked.
        SparsityOptions o =
                SparsityOptions.from(
                        with(
                                c -> {
                                    c.distribution = "uniform";
                                    c.layerDensities = Map.of("fc1", 0.05);
                                }));
        LayerAllocation a =
                o.distribution()
                        .allocate(
                                dev.sprig.models.ModelZoo.specs("lenet-300-100", 1, 28, 10, 1.0)
                                        .stream()
                                        .filter(l -> l.kind().isPrunable())
                                        .toList(),
                                0.5);
        assertThat(a.keep()).containsEntry("fc1", 11_760L).containsEntry("fc2", 15_000L);
    }

    @Test
    void snfsMomentumIsAnExponentialAverageOfGradients() {
        MomentumGrow g = new MomentumGrow(0.9);
        assertThat(g.gradientUse()).isEqualTo(GrowCriterion.GradientUse.EVERY_STEP);
        assertThat(g.stateFloats()).isEqualTo(1);
        float[] state = {9, 9, 1, 2};
        // m = 0.9 m + 0.1 g from offset 2: (0.9 + 0.05, 1.8 - 0.1)
        g.accumulate(state, 2, new float[] {0.5f, -1f});
        assertThat(state[0]).isEqualTo(9f);
        assertThat(state[2]).isCloseTo(0.95f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(state[3]).isCloseTo(1.7f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(new MomentumGrow(0)).isNotNull();
        assertThatThrownBy(() -> new MomentumGrow(1)).hasMessageContaining("snfs_decay");
        assertThatThrownBy(() -> new MomentumGrow(-0.1)).hasMessageContaining("snfs_decay");
        // The scores are the momentum itself, handed out by rows.
        float[] m = {1, 2, 3, 4, 5, 6};
        GrowCriterion.RowScores rows = g.scores(new GrowCriterion.Input(0, 2, 3, 0, null, null, m));
        assertThat(rows.rows(1, 2)).containsExactly(4, 5, 6);
        assertThat(rows.rows(0, 2)).containsExactly(1, 2, 3, 4, 5, 6);
    }
}
