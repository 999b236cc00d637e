package dev.sprig.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlopsCostModelTest {
    private final FlopsCostModel cost = FlopsCostModel.INSTANCE;

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
    void lenet300ForwardIsTwiceItsMultiplyAdds() {
        assertThat(cost.forwardFlops(lenet300(), LayerDensities.DENSE))
                .isEqualTo(2L * (784 * 300 + 300 * 100 + 100 * 10));
        assertThat(cost.trainStepFlops(lenet300(), LayerDensities.DENSE, false))
                .isEqualTo(3L * 2 * (784 * 300 + 300 * 100 + 100 * 10));
        assertThat(cost.parameters(lenet300(), LayerDensities.DENSE)).isEqualTo(266_610L);
    }

    @Test
    void densityScalesForwardAndBothGradientsUnlessTheWeightGradientIsDense() {
        LayerDensities d = new LayerDensities(Map.of("fc1", 0.1, "fc2", 0.5));
        long f1 = 2L * 784 * 300;
        long f2 = 2L * 300 * 100;
        long f3 = 2L * 100 * 10;
        assertThat(cost.forwardFlops(lenet300(), d))
                .isEqualTo(Math.round(f1 * 0.1 + f2 * 0.5 + f3));
        assertThat(cost.trainStepFlops(lenet300(), d, false))
                .isEqualTo(Math.round(3 * (f1 * 0.1 + f2 * 0.5 + f3)));
        assertThat(cost.trainStepFlops(lenet300(), d, true))
                .isEqualTo(Math.round(2 * (f1 * 0.1 + f2 * 0.5 + f3) + (f1 + f2 + f3)));
        assertThat(cost.parameters(lenet300(), d))
                .isEqualTo(Math.round(784 * 300 * 0.1 + 300 + 300 * 100 * 0.5 + 100 + 1010));
    }

    @Test
    void convBatchNormAndPoolingByHand() {
        List<LayerSpec> net =
                new NetBuilder(3, 8, 8)
                        .conv("c", 4, 3, 1, 1)
                        .bn("b")
                        .relu()
                        .maxPool(2, 2, 0)
                        .globalAvgPool()
                        .specs();
        assertThat(net.get(0).kind()).isEqualTo(LayerKind.CONV);
        long conv = 2L * (4 * 8 * 8) * 3 * 9; // 2 · output values · (C_in k²)
        long bn = 2L * 4 * 64;
        long pool = 4L * 4 * 4 * 4; // 16 outputs per channel · window 4
        long gap = 4L * 4 * 4;
        assertThat(cost.forwardFlops(net, LayerDensities.DENSE)).isEqualTo(conv + bn + pool + gap);
        assertThat(cost.trainStepFlops(net, LayerDensities.DENSE, false))
                .isEqualTo(3 * conv + 2 * (bn + pool + gap));
    }

    @Test
    void depthwiseConvCountsOneInputChannelPerGroup() {
        List<LayerSpec> net = new NetBuilder(8, 4, 4).conv("dw", 8, 3, 1, 1, 8, false).specs();
        assertThat(cost.forwardFlops(net, LayerDensities.DENSE)).isEqualTo(2L * 8 * 16 * 9);
    }
}
