package dev.sprig.structured;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.sprig.models.Blueprint;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.ParameterRole;
import dev.sprig.models.SprigModel;
import dev.sprig.train.SgdOptimizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SurgeonTest {

    @ParameterizedTest
    @CsvSource({
        "vgg-11, 0.25, 28, 8",
        "resnet-20, 0.5, 16, 9",
        "preresnet-29, 0.5, 16, 18",
        "wrn-10-2, 0.5, 16, 3"
    })
    void shrunkNetworkComputesWhatTheMaskedFullNetworkComputes(
            String name, double width, int size, int groups) {
        try (SprigModel big = ModelZoo.create(name, 1, size, 5, width, Device.cpu(), 1, 1f)) {
            checkShrink(big, name, size, groups);
        }
    }

    /**
     * A CNN defined in Java: its groups come from its structure; its last conv is flattened (4x4)
     * into the classifier.
     */
    static Blueprint javaCnn() {
        return Blueprint.wrapped(
                "my-cnn",
                () ->
                        new SequentialBlock()
                                .add(
                                        Conv2d.builder()
                                                .setKernelShape(new Shape(3, 3))
                                                .optPadding(new Shape(1, 1))
                                                .setFilters(8)
                                                .build())
                                .add(BatchNorm.builder().build())
                                .add(Activation.reluBlock())
                                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                                .add(
                                        Conv2d.builder()
                                                .setKernelShape(new Shape(3, 3))
                                                .optPadding(new Shape(1, 1))
                                                .setFilters(6)
                                                .build())
                                .add(BatchNorm.builder().build())
                                .add(Activation.reluBlock())
                                .add(Blocks.batchFlattenBlock())
                                .add(Linear.builder().setUnits(5).build()),
                1,
                8,
                5);
    }

    @Test
    void aNetworkDefinedInJavaShrinksLikeAZooNetwork() {
        try (SprigModel big = javaCnn().build(Map.of(), Device.cpu(), 1, 1f)) {
            List<CouplingGraph.ChannelGroup> g = Surgeon.groups(big.ops());
            assertThat(g)
                    .extracting(CouplingGraph.ChannelGroup::conv)
                    .containsExactly("conv1", "conv2");
            assertThat(g.get(1).readers()).containsExactly(new CouplingGraph.Reader("fc1", 16));
            checkShrink(big, "my-cnn", 8, 2);
        }
    }

    private static void checkShrink(SprigModel big, String name, int size, int groups) {
        SplittableRandom r = new SplittableRandom(3);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<CouplingGraph.ChannelGroup> g = Surgeon.groups(big.ops());
            assertThat(g).hasSize(groups);
            // Non-trivial batch-norm state, so that slicing mistakes show.
            for (NamedParameter p : big.parameters().values()) {
                if (p.layer().kind() == dev.sprig.models.LayerKind.BATCH_NORM) {
                    float[] v = p.array().toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        v[i] =
                                p.role() == ParameterRole.RUNNING_VAR
                                        ? 0.5f + (float) r.nextDouble()
                                        : (float) r.nextGaussian() * 0.5f;
                    }
                    p.array().set(v);
                }
            }
            Map<String, boolean[]> keep = new LinkedHashMap<>();
            for (CouplingGraph.ChannelGroup c : g) {
                boolean[] k = new boolean[c.channels()];
                for (int i = 0; i < k.length; i++) {
                    k[i] = r.nextDouble() < 0.5;
                }
                k[r.nextInt(k.length)] = true;
                keep.put(c.bn(), k);
            }
            ChannelMask mask = new ChannelMask(keep);
            SgdOptimizer bigOpt = new SgdOptimizer(0.9, false, 0);
            for (NamedParameter p : big.trainableParameters()) {
                NDArray v = p.array().duplicate();
                v.attach(big.manager());
                bigOpt.momentum()
                        .put(p.name(), v); // momentum = weights, so its slices are checkable
            }
            SgdOptimizer thinOpt = new SgdOptimizer(0.9, false, 0);
            try (SprigModel thin = Surgeon.shrink(big, mask, bigOpt, thinOpt, 7)) {
                assertThat(thin.channelWidths()).isEqualTo(Surgeon.widths(big.ops(), mask));
                assertThat(Surgeon.keptChannels(big.ops(), mask).keySet())
                        .isEqualTo(thin.channelWidths().keySet());
                assertThat(thin.parameterCount()).isLessThan(big.parameterCount());
                for (NamedParameter p : thin.trainableParameters()) {
                    assertThat(thinOpt.momentum().get(p.name()).toFloatArray())
                            .as(p.name())
                            .containsExactly(p.array().toFloatArray());
                }
                // Mask the full network: pruned channels output exactly zero after their batch
                // norm.
                for (Map.Entry<String, boolean[]> e : keep.entrySet()) {
                    for (String role : List.of(".gamma", ".beta")) {
                        NDArray a = big.parameters().get(e.getKey() + role).array();
                        float[] v = a.toFloatArray();
                        for (int i = 0; i < v.length; i++) {
                            v[i] = e.getValue()[i] ? v[i] : 0f;
                        }
                        a.set(v);
                    }
                }
                float[] x = new float[2 * size * size];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                NDArray in = m.create(x, new Shape(2, 1, size, size));
                float[] expected = big.forward(in, false).toFloatArray();
                float[] actual = thin.forward(in, false).toFloatArray();
                float scale = 0;
                float err = 0;
                for (int i = 0; i < expected.length; i++) {
                    scale = Math.max(scale, Math.abs(expected[i]));
                    err = Math.max(err, Math.abs(expected[i] - actual[i]));
                }
                assertThat(err / scale).as(name).isLessThan(1e-5f);
            }
        }
    }
}
