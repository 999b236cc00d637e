package dev.sprig.structured;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ObservationIntervalBoundsTest {
    @Test
    void stepsFromOneAndFractionsStrictlyInsideTheSchedule() {
        assertThat(ObservationInterval.parse("1", "eb_interval").kind())
                .isEqualTo(ObservationInterval.Kind.STEPS);
        assertThat(ObservationInterval.parse("0.999", "eb_interval").kind())
                .isEqualTo(ObservationInterval.Kind.FRACTION);
        assertThat(ObservationInterval.parse("1e-3", "eb_interval").kind())
                .isEqualTo(ObservationInterval.Kind.FRACTION);
        for (String bad : new String[] {"0", "0.0", "1.0", "-0.5", "often"}) {
            assertThatThrownBy(() -> ObservationInterval.parse(bad, "epi_interval"))
                    .as(bad)
                    .hasMessageContaining("epi_interval must be epoch, auto")
                    .hasMessageContaining("got '" + bad + "'");
        }
    }
}
