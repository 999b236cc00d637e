package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code config.yaml}: one section per method family's option group, lossless, and flat files still
 * read.
 */
class ConfigYamlTest {
    private static TrainConfig sample() {
        TrainConfig c = new TrainConfig();
        c.method = "earlybird";
        c.lr = 0.05;
        c.sparsity = 0.8;
        c.dropFraction = 0.4;
        c.ebEpsilon = 0.07;
        c.ebRatios = new java.util.ArrayList<>(List.of(0.2, 0.4));
        c.epiTau = 0.9;
        c.members = 5;
        c.lthRounds = 2;
        c.layerDensities.put("fc1", 0.1);
        return c;
    }

    @Test
    void sectionsHoldEachFamilysSettingsAndRoundTripLosslessly() {
        TrainConfig c = sample();
        String yaml = Json.toYaml(c);
        assertThat(yaml)
                .contains(
                        "\nsparse:\n",
                        "\ndynamic_sparse:\n",
                        "\npruning:\n",
                        "\nearly_bird:\n",
                        "\nepi:\n",
                        "\nensemble:\n");
        assertThat(yaml)
                .contains("early_bird:\n  prune_ratio:")
                .contains("\n  eb_epsilon: 0.07\n")
                .doesNotContain("\neb_epsilon:"); // nested, not top level
        assertThat(yaml).startsWith("method: \"earlybird\"\n");
        TrainConfig back = Json.readConfig(yaml, "test");
        assertThat(Json.line(back)).isEqualTo(Json.line(c));
    }

    @Test
    void flatFilesAndMixedFilesReadAlike() {
        TrainConfig flat =
                Json.readConfig(
                        "method: earlybird\nlr: 0.05\neb_epsilon: 0.07\nmembers: 5\n", "flat");
        TrainConfig nested =
                Json.readConfig(
                        "method: earlybird\nlr: 0.05\nearly_bird:\n  eb_epsilon: 0.07\n"
                                + "ensemble:\n  members: 5\n",
                        "nested");
        assertThat(Json.line(nested)).isEqualTo(Json.line(flat));
        assertThat(flat.ebEpsilon).isEqualTo(0.07);
        assertThat(Json.configKeys("epi:\n  epi_tau: 0.9\nseed: 3\n", "keys"))
                .containsExactly("epi_tau", "seed");
    }

    @Test
    void aKeySetTwiceOrUnknownInASectionIsOneClearError() {
        assertThatThrownBy(
                        () ->
                                Json.readConfig(
                                        "eb_epsilon: 0.1\nearly_bird:\n  eb_epsilon: 0.2\n",
                                        "config x"))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("'eb_epsilon' is set twice");
        assertThatThrownBy(() -> Json.readConfig("early_bird:\n  eb_epsilonn: 0.2\n", "config x"))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("unknown key 'eb_epsilonn'");
        assertThatThrownBy(() -> Json.readConfig("- 1\n- 2\n", "config x"))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("expected a map of settings");
    }

    @Test
    void everySettingBelongsToExactlyOneHelpGroupOrSection() {
        java.util.Set<String> grouped = new java.util.HashSet<>(OptionGroup.SHARED.keys());
        for (Method m : Methods.all()) {
            for (OptionGroup g : m.options()) {
                grouped.addAll(g.keys());
            }
        }
        assertThat(grouped).containsExactlyInAnyOrderElementsOf(TrainConfig.KEYS);
    }
}
