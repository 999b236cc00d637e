package dev.sprig.structured;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.models.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Channel groups derived from the recorded operations match, on every zoo network, the groups the
 * name-based rule found before it was removed ({@code src/test/resources/coupling/}), except where
 * the structure shows more: MobileNet's last pointwise convolution, read only by the classifier.
 */
class CouplingGraphTest {
    @Test
    void structureFindsWhatTheOldNameRuleFound() throws IOException {
        List<String> golden =
                Files.readAllLines(
                        Path.of("src/test/resources/coupling/groups-before-redesign.txt"));
        assertThat(golden).hasSize(12);
        for (String line : golden) {
            String model = line.split(" ")[0];
            int size = model.equals("resnet-18") || model.equals("resnet-50") ? 64 : 32;
            StringBuilder now = new StringBuilder(model);
            List<CouplingGraph.ChannelGroup> groups =
                    CouplingGraph.groups(
                            ModelZoo.blueprint(model, 3, size, 10, 1.0, null).ops(Map.of()));
            if (model.equals("mobilenet-v1")) {
                assertThat(groups)
                        .extracting(CouplingGraph.ChannelGroup::conv)
                        .containsExactly("layers.12.pw");
                continue;
            }
            now.append(' ').append(groups.size());
            for (CouplingGraph.ChannelGroup g : groups) {
                now.append(' ')
                        .append(g.conv())
                        .append('/')
                        .append(g.bn())
                        .append('/')
                        .append(g.channels());
            }
            assertThat(now.toString()).isEqualTo(line);
        }
    }

    @Test
    void readersAndBatchNormsShrinkWithTheirGroup() {
        var g =
                CouplingGraph.groups(
                        ModelZoo.blueprint("resnet-20", 3, 32, 10, 1.0, null).ops(Map.of()));
        // The inner convolution of a basic block: its batch norm, read by the block's second
        // convolution.
        assertThat(g.get(0))
                .isEqualTo(
                        new CouplingGraph.ChannelGroup(
                                "layer1.0.conv1",
                                "layer1.0.bn1",
                                16,
                                List.of("layer1.0.bn1"),
                                List.of(new CouplingGraph.Reader("layer1.0.conv2", 1))));
        var vgg =
                CouplingGraph.groups(
                        ModelZoo.blueprint("vgg-11", 3, 32, 10, 1.0, null).ops(Map.of()));
        // The last convolution is read by the classifier after global pooling: one feature per
        // channel.
        assertThat(vgg.get(vgg.size() - 1).readers())
                .containsExactly(new CouplingGraph.Reader("classifier", 1));
    }
}
