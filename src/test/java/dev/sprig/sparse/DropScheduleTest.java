package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.train.TrainConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RigL's update schedule and drop fraction, pinned to values worked out from the paper. */
class DropScheduleTest {
    @Test
    void theCosineDecayOfTheDropFractionByHand() {
        // alpha_t = alpha / 2 * (1 + cos(pi t / T_end)), alpha = 0.3, T_end = 1000 (RigL eq. 1).
        DropSchedule s = new DropSchedule(0, 1000, 100, 0.3, true);
        assertThat(s.dropFraction(0)).isCloseTo(0.3, within(1e-12));
        // t = 1/4: 0.15 * (1 + sqrt(2)/2) = 0.25606601717798213
        assertThat(s.dropFraction(250)).isCloseTo(0.25606601717798213, within(1e-12));
        assertThat(s.dropFraction(500)).isCloseTo(0.15, within(1e-12));
        // t = 3/4: 0.15 * (1 - sqrt(2)/2) = 0.04393398282201788
        assertThat(s.dropFraction(750)).isCloseTo(0.04393398282201788, within(1e-12));
        assertThat(s.dropFraction(1000)).isCloseTo(0, within(1e-12));
    }

    @Test
    void theDecayRunsFromTheFirstUpdateToTheLastNotFromStepZero() {
        // begin 200, end 800: t = (step - 200) / 600.
        DropSchedule s = new DropSchedule(200, 800, 50, 0.5, true);
        assertThat(s.dropFraction(200)).isCloseTo(0.5, within(1e-12));
        // t = 1/3: 0.25 * (1 + cos(pi / 3)) = 0.25 * 1.5
        assertThat(s.dropFraction(400)).isCloseTo(0.375, within(1e-12));
        assertThat(s.dropFraction(500)).isCloseTo(0.25, within(1e-12));
        // t = 2/3: 0.25 * (1 - 1/2)
        assertThat(s.dropFraction(600)).isCloseTo(0.125, within(1e-12));
    }

    @Test
    void aConstantScheduleDropsAlphaEveryTime() {
        DropSchedule s = new DropSchedule(0, 1000, 100, 0.3, false);
        for (long step : List.of(0L, 100L, 500L, 900L)) {
            assertThat(s.dropFraction(step)).isEqualTo(0.3);
        }
    }

    @Test
    void updatesEveryDeltaTFromBeginUntilBeforeTheEnd() {
        DropSchedule s = new DropSchedule(100, 900, 100, 0.3, true);
        assertThat(s.isUpdateStep(99)).isFalse();
        assertThat(s.isUpdateStep(100)).isTrue();
        assertThat(s.isUpdateStep(150)).isFalse();
        assertThat(s.isUpdateStep(200)).isTrue();
        assertThat(s.isUpdateStep(800)).isTrue();
        assertThat(s.isUpdateStep(900)).isFalse();
        assertThat(s.isUpdateStep(1000)).isFalse();
        // An exploration jump updates outside the regular schedule, with its own fraction.
        DropSchedule j = new DropSchedule(100, 900, 100, 0.3, true, Set.of(950L), 0.8);
        assertThat(j.isUpdateStep(950)).isTrue();
        assertThat(j.dropFraction(950)).isEqualTo(0.8);
        assertThat(j.dropFraction(100)).isCloseTo(0.3, within(1e-12));
    }

    @Test
    void aRunsScheduleComesFromItsFractionsOfAllSteps() {
        TrainConfig c = new TrainConfig();
        c.epochs = 10;
        c.beginFraction = 0.1;
        c.endFraction = 0.75;
        c.updateInterval = 100;
        c.dropFraction = 0.3;
        DropSchedule s = DropSchedule.of(c, 2000);
        assertThat(s.beginStep()).isEqualTo(200);
        assertThat(s.endStep()).isEqualTo(1500);
        assertThat(s.interval()).isEqualTo(100);
        assertThat(s.cosine()).isTrue();
        // Half-way between the first and the last update: alpha / 2.
        assertThat(s.dropFraction(850)).isCloseTo(0.15, within(1e-12));
    }
}
