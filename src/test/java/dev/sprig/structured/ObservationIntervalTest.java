package dev.sprig.structured;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import org.junit.jupiter.api.Test;

class ObservationIntervalTest {
    @Test
    void autoLeavesThePapersLongSchedulesPerEpochAndLooksFiftyTimesAtShortOnes() {
        ObservationInterval auto = ObservationInterval.parse("auto", "eb_interval");
        // Early-Bird's CIFAR setting: 160 epochs of 391 steps (batch 128 of 50,000 images).
        assertThat(auto.steps(391, 160)).isEqualTo(391);
        assertThat(auto.perEpoch(391, 160)).isTrue();
        assertThat(auto.perEpoch(391, 50)).isTrue();
        // Ten epochs of Fashion-MNIST at batch 64: 938 steps each, so 187 steps, five a epoch.
        assertThat(auto.steps(938, 10)).isEqualTo(187);
        assertThat(auto.perEpoch(938, 10)).isFalse();
        assertThat(9380 / auto.steps(938, 10)).isEqualTo(50);
        // Never below one step.
        assertThat(auto.steps(2, 3)).isEqualTo(1);
    }

    @Test
    void stepsFractionsAndEpochsParseAndResolve() {
        assertThat(ObservationInterval.parse("epoch", "k").steps(100, 10)).isEqualTo(100);
        assertThat(ObservationInterval.parse(" EPOCH ", "k").perEpoch(100, 10)).isTrue();
        assertThat(ObservationInterval.parse("25", "k").steps(100, 10)).isEqualTo(25);
        assertThat(ObservationInterval.parse("100", "k").perEpoch(100, 10)).isTrue();
        assertThat(ObservationInterval.parse("0.02", "k").steps(100, 10)).isEqualTo(20);
        assertThat(ObservationInterval.parse("0.0001", "k").steps(100, 10)).isEqualTo(1);
        assertThat(ObservationInterval.parse("0.02", "k").text()).isEqualTo("0.02");
        assertThat(ObservationInterval.parse("auto", "k").text()).isEqualTo("auto");
    }

    @Test
    void badValuesNameTheKey() {
        for (String bad : new String[] {"0", "1.5", "-3", "often", "", "1.0"}) {
            assertThatThrownBy(() -> ObservationInterval.parse(bad, "epi_interval"))
                    .as(bad)
                    .isInstanceOf(SprigException.class)
                    .hasMessageContaining("epi_interval must be epoch, auto");
        }
        assertThatThrownBy(() -> ObservationInterval.parse(null, "eb_interval"))
                .isInstanceOf(SprigException.class);
    }
}
