package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.SprigException;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparsityDistributionTest {
    private static List<LayerSpec> lenet300() {
        return new NetBuilder(1, 28, 28)
                .linear("fc1", 300)
                .relu()
                .linear("fc2", 100)
                .relu()
                .linear("fc3", 10)
                .specs();
    }

    @Test
    void uniformKeepsExactCountsAndOptionalDenseEnds() {
        LayerAllocation a = SparsityDistribution.uniform(false, false).allocate(lenet300(), 0.9);
        assertThat(a.keep())
                .containsEntry("fc1", 23_520L)
                .containsEntry("fc2", 3_000L)
                .containsEntry("fc3", 100L);
        LayerAllocation b = SparsityDistribution.uniform(true, true).allocate(lenet300(), 0.9);
        assertThat(b.keep()).containsEntry("fc1", 235_200L).containsEntry("fc3", 1_000L);
    }

    @Test
    void erkByHandForAnMlp() {
        // p_l = (n_in + n_out)/(n_in n_out), so p_l N_l = 1084, 400, 110. First pass:
        // eps = 26,620 / 1,594 = 16.7 gives fc3 density 16.7 * 0.11 > 1, so fc3 becomes dense and
        // eps = (26,620 - 1,000) / (1084 + 400) is solved again over fc1 and fc2.
        LayerAllocation a = SparsityDistribution.erk().allocate(lenet300(), 0.9);
        double eps = (0.1 * 266_200 - 1000) / (1084.0 + 400);
        assertThat(a.keep().get("fc1")).isEqualTo(Math.round(eps * 1084));
        assertThat(a.keep().get("fc2")).isEqualTo(Math.round(eps * 400));
        assertThat(a.keep().get("fc3")).isEqualTo(1000L);
        assertThat(a.sparsity()).isCloseTo(0.9, within(1e-4));
    }

    @Test
    void erkMakesOverfullLayersDenseAndResolves() {
        // At 50% the output layer's ε p would exceed 1: it becomes dense, the rest share the
        // budget.
        LayerAllocation a = SparsityDistribution.erk().allocate(lenet300(), 0.5);
        assertThat(a.keep().get("fc3")).isEqualTo(1000L);
        assertThat(a.sparsity()).isCloseTo(0.5, within(1e-4));
        for (long k : a.keep().values()) {
            assertThat(k).isPositive();
        }
    }

    @Test
    void erkAndErDifferOnlyForConvolutions() {
        List<LayerSpec> conv =
                new NetBuilder(3, 8, 8)
                        .conv("c1", 16, 3, 1, 1)
                        .conv("c2", 32, 3, 1, 1)
                        .linear("fc", 10)
                        .specs();
        LayerAllocation erk = SparsityDistribution.erk().allocate(conv, 0.8);
        LayerAllocation er = SparsityDistribution.er().allocate(conv, 0.8);
        assertThat(erk.keep()).isNotEqualTo(er.keep());
        assertThat(erk.sparsity()).isCloseTo(0.8, within(1e-3));
        assertThat(er.sparsity()).isCloseTo(0.8, within(1e-3));
    }

    @Test
    void customMapAndImpossibleValuesAreRejected() {
        LayerAllocation c =
                SparsityDistribution.custom(Map.of("fc1", 0.05)).allocate(lenet300(), 0.5);
        assertThat(c.keep()).containsEntry("fc1", 11_760L).containsEntry("fc2", 15_000L);
        assertThatThrownBy(() -> SparsityDistribution.erk().allocate(lenet300(), 1.0))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("sparsity must be in [0, 1), got 1.0");
        assertThatThrownBy(
                        () ->
                                SparsityDistribution.custom(Map.of("fc9", 0.5))
                                        .allocate(lenet300(), 0.5))
                .hasMessageContaining("unknown layer 'fc9'");
        assertThatThrownBy(() -> SparsityDistribution.named("gaussian", false, false, Map.of()))
                .hasMessageContaining("distribution must be");
    }
}
