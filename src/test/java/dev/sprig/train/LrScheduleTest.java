package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
    @Test
    void multistepChangesAtEpochBoundaries() {
        LrSchedule s =
                new LrSchedule(
                        "multistep",
                        0.1,
                        0.1,
                        30,
                        List.of(2, 4),
                        new java.util.TreeMap<>(),
                        0,
                        10,
                        6);
        assertThat(s.at(19)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(20)).isCloseTo(0.01, within(1e-12));
        assertThat(s.at(45)).isCloseTo(0.001, within(1e-12));
    }

    @Test
    void cosineWithWarmupStartsSmallPeaksAndEndsNearZero() {
        LrSchedule s =
                new LrSchedule(
                        "cosine", 1.0, 0.1, 30, List.of(), new java.util.TreeMap<>(), 1, 10, 5);
        assertThat(s.at(0)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(9)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(10)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(30)).isCloseTo(0.5, within(1e-12));
        assertThat(s.at(49)).isLessThan(0.01);
    }

    @Test
    void stepAndConstant() {
        LrSchedule s =
                new LrSchedule("step", 0.2, 0.5, 2, List.of(), new java.util.TreeMap<>(), 0, 10, 6);
        assertThat(s.at(0)).isEqualTo(0.2);
        assertThat(s.at(25)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(45)).isCloseTo(0.05, within(1e-12));
        assertThat(
                        new LrSchedule(
                                        "constant",
                                        0.3,
                                        0.1,
                                        1,
                                        List.of(),
                                        new java.util.TreeMap<>(),
                                        0,
                                        10,
                                        6)
                                .at(59))
                .isEqualTo(0.3);
    }

    @Test
    void piecewiseHoldsEachRateFromItsEpoch() {
        java.util.TreeMap<Integer, Double> points =
                new java.util.TreeMap<>(java.util.Map.of(0, 0.1, 3, 0.01, 4, 0.001));
        LrSchedule s = new LrSchedule("piecewise", 0.5, 0.1, 1, List.of(), points, 0, 10, 6);
        assertThat(s.at(0)).isEqualTo(0.1);
        assertThat(s.at(29)).isEqualTo(0.1);
        assertThat(s.at(30)).isEqualTo(0.01);
        assertThat(s.at(45)).isEqualTo(0.001);
        assertThat(s.at(59)).isEqualTo(0.001);
    }
}
