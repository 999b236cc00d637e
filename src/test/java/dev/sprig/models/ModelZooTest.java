package dev.sprig.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sprig.Sprig;
import dev.sprig.SprigException;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelZooTest {
    @BeforeAll
    static void engine() {
        Sprig.engine();
    }

    @ParameterizedTest
    @CsvSource({
        "lenet-300-100, 1.0", "lenet-5, 1.0", "vgg-11, 0.125", "vgg-16, 0.125", "vgg-19, 0.125",
        "resnet-20, 0.5", "resnet-32, 0.25", "preresnet-29, 0.5", "wrn-16-2, 0.25",
                "resnet-18, 0.125",
        "resnet-50, 0.0625", "mobilenet-v1, 0.125"
    })
    void everyModelRunsOnGreyAndColourInputsWithAnyClassCount(String name, double width) {
        for (int[] in : new int[][] {{1, 28, 10}, {3, 32, 100}}) {
            try (SprigModel m =
                            ModelZoo.create(name, in[0], in[1], in[2], width, Device.cpu(), 1, 1f);
                    NDManager step = m.manager().newSubManager()) {
                NDArray x = step.randomNormal(new Shape(2, in[0], in[1], in[1]));
                NDArray y = m.forward(x, true);
                assertThat(y.getShape()).isEqualTo(new Shape(2, in[2]));
                assertThat(m.forward(x, false).getShape()).isEqualTo(new Shape(2, in[2]));
                // Stable, unique names with a type and a shape for every prunable weight and BN.
                assertThat(new HashSet<>(m.parameters().keySet())).hasSize(m.parameters().size());
                for (NamedParameter w : m.prunableWeights()) {
                    assertThat(w.array().getShape()).isEqualTo(new Shape(w.layer().weightShape()));
                    assertThat(w.name()).endsWith(".weight");
                }
                assertThat(m.prunableWeights()).isNotEmpty();
                if (name.startsWith("vgg")
                        || name.contains("resnet")
                        || name.startsWith("wrn")
                        || name.startsWith("mobile")) {
                    assertThat(m.batchNormScales()).isNotEmpty();
                }
            }
        }
    }

    @Test
    void lenet300HasThePublishedParameterCountAndNames() {
        try (SprigModel m = ModelZoo.create("lenet-300-100", 1, 28, 10, 1, Device.cpu(), 0, 1f)) {
            assertThat(m.parameterCount())
                    .isEqualTo(784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10);
            assertThat(m.prunableWeights().stream().map(NamedParameter::name).toList())
                    .containsExactly("fc1.weight", "fc2.weight", "fc3.weight");
        }
    }

    @Test
    void resnet20HasPublishedSizeAndNamesAreStableAcrossBuilds() {
        try (SprigModel a = ModelZoo.create("resnet-20", 3, 32, 10, 1, Device.cpu(), 0, 1f);
                SprigModel b = ModelZoo.create("resnet-20", 3, 32, 10, 1, Device.cpu(), 0, 1f)) {
            // He et al. report 0.27M parameters for ResNet-20.
            assertThat(a.parameterCount()).isBetween(265_000L, 275_000L);
            assertThat(List.copyOf(a.parameters().keySet()))
                    .isEqualTo(List.copyOf(b.parameters().keySet()));
            assertThat(a.parameters())
                    .containsKeys(
                            "conv1.weight",
                            "layer2.0.shortcut.conv.weight",
                            "layer3.2.bn2.gamma",
                            "fc.weight");
        }
    }

    @Test
    void sameSeedSameWeightsDifferentSeedDifferentWeights() {
        try (SprigModel a = ModelZoo.create("lenet-5", 1, 28, 10, 1, Device.cpu(), 5, 1f);
                SprigModel b = ModelZoo.create("lenet-5", 1, 28, 10, 1, Device.cpu(), 5, 1f);
                SprigModel c = ModelZoo.create("lenet-5", 1, 28, 10, 1, Device.cpu(), 6, 1f)) {
            float[] wa = a.parameters().get("conv1.weight").array().toFloatArray();
            assertThat(b.parameters().get("conv1.weight").array().toFloatArray()).isEqualTo(wa);
            assertThat(c.parameters().get("conv1.weight").array().toFloatArray()).isNotEqualTo(wa);
        }
    }

    @Test
    void gammaInitIsApplied() {
        try (SprigModel m = ModelZoo.create("vgg-11", 1, 28, 10, 0.125, Device.cpu(), 0, 0.5f)) {
            for (NamedParameter g : m.batchNormScales()) {
                for (float v : g.array().toFloatArray()) {
                    assertThat(v).isEqualTo(0.5f);
                }
            }
        }
    }

    @Test
    void badNamesAndShapesAreUserErrors() {
        assertThatThrownBy(() -> ModelZoo.create("alexnet", 1, 28, 10, 1, Device.cpu(), 0, 1f))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("unknown model 'alexnet'");
        assertThatThrownBy(() -> ModelZoo.create("resnet-21", 1, 28, 10, 1, Device.cpu(), 0, 1f))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("6n+2");
        assertThatThrownBy(() -> ModelZoo.create("lenet-5", 1, 8, 10, 1, Device.cpu(), 0, 1f))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("does not fit");
        assertThatThrownBy(() -> ModelZoo.create("lenet-5", 1, 28, 10, 0, Device.cpu(), 0, 1f))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("width multiplier");
    }
}
