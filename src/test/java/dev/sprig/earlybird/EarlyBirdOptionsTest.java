package dev.sprig.earlybird;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import dev.sprig.train.TrainConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Each Early-Bird setting at the edges of its range: the last value accepted, the first refused.
 */
class EarlyBirdOptionsTest {
    private static TrainConfig with(Consumer<TrainConfig> set) {
        TrainConfig c = new TrainConfig();
        set.accept(c);
        return c;
    }

    private static void accepted(Consumer<TrainConfig> set) {
        assertThat(EarlyBirdOptions.from(with(set))).isNotNull();
    }

    private static void refused(Consumer<TrainConfig> set, String message) {
        assertThatThrownBy(() -> EarlyBirdOptions.from(with(set)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void everySettingAcceptsItsRangeAndRefusesJustOutside() {
        accepted(c -> c.pruneRatio = 0);
        accepted(c -> c.pruneRatio = 0.999);
        refused(c -> c.pruneRatio = -0.001, "prune_ratio must be in [0, 1), got -0.001");
        refused(c -> c.pruneRatio = 1, "prune_ratio must be in [0, 1)");
        accepted(c -> c.ebRatios = new ArrayList<>(Arrays.asList(0.0, 0.999)));
        refused(c -> c.ebRatios = new ArrayList<>(Arrays.asList(0.5, 1.0)), "eb_ratios");
        refused(c -> c.ebRatios = new ArrayList<>(Arrays.asList(-0.1)), "eb_ratios");
        refused(c -> c.ebRatios = new ArrayList<>(Arrays.asList((Double) null)), "eb_ratios");
        refused(c -> c.ebRatios = null, "eb_ratios must be a list");
        accepted(c -> c.ebEpsilon = 0);
        accepted(c -> c.ebEpsilon = 1);
        refused(c -> c.ebEpsilon = -0.01, "eb_epsilon must be in [0, 1]");
        refused(c -> c.ebEpsilon = 1.01, "eb_epsilon must be in [0, 1]");
        accepted(c -> c.ebQueue = 2);
        refused(c -> c.ebQueue = 1, "eb_queue must be at least 2, got 1");
        accepted(c -> c.bnL1 = 0.0);
        refused(c -> c.bnL1 = -1e-9, "bn_l1 must be >= 0");
        accepted(c -> c.finetuneEpochs = 0);
        refused(c -> c.finetuneEpochs = -1, "finetune_epochs must be >= 0");
    }

    @Test
    void theOptionsCarryTheConfigsValues() {
        EarlyBirdOptions o =
                EarlyBirdOptions.from(
                        with(
                                c -> {
                                    c.pruneRatio = 0.3;
                                    c.ebEpsilon = 0.2;
                                    c.ebQueue = 7;
                                }));
        assertThat(o.pruneRatio()).isEqualTo(0.3);
        assertThat(o.epsilon()).isEqualTo(0.2);
        assertThat(o.queue()).isEqualTo(7);
    }
}
