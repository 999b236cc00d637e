package dev.sprig.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TicksTest {
    @Test
    void labelsAreRoundedAndShort() {
        assertThat(Ticks.label(0.10237037037037)).isEqualTo("0.1024");
        assertThat(Ticks.label(2.64879648E10)).isEqualTo("26.49G");
        assertThat(Ticks.label(266610)).isEqualTo("266.6k");
        assertThat(Ticks.label(999999)).isEqualTo("1M");
        assertThat(Ticks.label(0.2)).isEqualTo("0.2");
        assertThat(Ticks.label(97.5)).isEqualTo("97.5");
        assertThat(Ticks.label(0.9999999)).isEqualTo("1");
        assertThat(Ticks.label(-0.00123)).isEqualTo("-0.00123");
        assertThat(Ticks.label(0.00012)).isEqualTo("1.2e-4");
        assertThat(Ticks.label(0)).isEqualTo("0");
        assertThat(Ticks.label(3e-15)).isEqualTo("0");
    }

    @Test
    void everyLabelFitsEightCharactersAndKeepsThreeSignificantDigits() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 20_000; i++) {
            double v = (r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-6, 15));
            String s = Ticks.label(v);
            assertThat(s.length()).as("%s -> %s", v, s).isLessThanOrEqualTo(Ticks.MAX_LABEL);
            double back = parse(s);
            assertThat(back).as("%s -> %s", v, s).isCloseTo(v, within(Math.abs(v) * 0.051));
            if (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e15) {
                assertThat(back).as("%s -> %s", v, s).isCloseTo(v, within(Math.abs(v) * 0.006));
            }
        }
    }

    private static double parse(String s) {
        String[] si = {"k", "M", "G", "T", "P"};
        for (int k = 0; k < si.length; k++) {
            if (s.endsWith(si[k])) {
                return Double.parseDouble(s.substring(0, s.length() - 1)) * Math.pow(1000, k + 1);
            }
        }
        return Double.parseDouble(s);
    }

    @Test
    void oneDecadeStaysLinearTwoGoLogarithmic() {
        // RigL at 0.102x beside dense at 1x: a linear axis, padded by 8% of the range.
        Ticks.Scale flops = Ticks.scale(new double[] {0.1024, 1.0}, true);
        assertThat(flops.log()).isFalse();
        assertThat(flops.min()).isCloseTo(0.1024 - 0.08 * 0.8976, within(1e-12));
        assertThat(flops.max()).isCloseTo(1.0 + 0.08 * 0.8976, within(1e-12));
        // 0.004x to 1x spans more than two decades: whole decades 1e-3 .. 1e0 in log10.
        Ticks.Scale wide = Ticks.scale(new double[] {0.004, 0.3, 1.0}, true);
        assertThat(wide.log()).isTrue();
        assertThat(wide.min()).isEqualTo(-3);
        assertThat(wide.max()).isEqualTo(0);
        assertThat(wide.plot(0.01)).isCloseTo(-2, within(1e-12));
        // Accuracies never go logarithmic; a single value gets 10% either side.
        assertThat(Ticks.scale(new double[] {0.01, 5}, false).log()).isFalse();
        Ticks.Scale one = Ticks.scale(new double[] {0.5}, false);
        assertThat(one.min()).isCloseTo(0.45, within(1e-12));
        assertThat(one.max()).isCloseTo(0.55, within(1e-12));
        assertThat(Ticks.scale(new double[] {Double.NaN}, true)).isNull();
        // Non-negative data never get a negative axis.
        assertThat(Ticks.scale(new double[] {0, 10}, false).min()).isZero();
    }

    @Test
    void aLogScaleLabelsWholeDecadesOnlyAndRecordsWhatItDrew() {
        Ticks.Log log = new Ticks.Log();
        var f = new Ticks.Scale(-3, 0, true, false).labels(log);
        assertThat(f.apply(-2.0)).isEqualTo("0.01");
        assertThat(f.apply(-1.5)).isEmpty();
        assertThat(f.apply(0.0)).isEqualTo("1");
        assertThat(log.labels()).containsExactly("0.01", "1");
        var linear = new Ticks.Scale(0, 1, false, false).labels(log);
        assertThat(linear.apply(0.30000000000000004)).isEqualTo("0.3");
        assertThat(log.labels()).containsExactly("0.01", "1", "0.3");
        // Three epochs (axis 0.84 to 3.16): 700 px per axis length, about one tick per epoch;
        // 160 epochs: XChart's spacing.
        Ticks.Scale three = Ticks.scale(new double[] {1, 3}, false).withUnitSteps();
        assertThat(three.spacingHint()).isEqualTo((int) (700 / (3.16 - 0.84)));
        assertThat(Ticks.scale(new double[] {1, 160}, false).withUnitSteps().spacingHint())
                .isEqualTo(74);
        assertThat(new Ticks.Scale(-3, 0, true, false).spacingHint()).isEqualTo(700 / 3);
        assertThat(Ticks.scale(new double[] {0.5, 0.9}, false).spacingHint()).isEqualTo(74);
    }
}
