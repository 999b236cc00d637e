package dev.sprig.epi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Bilinear interpolation of measured layer times, inside and at the edges of the grid. */
class LatencyGridTest {
    @Test
    void interpolatesBetweenAndClampsOutsideTheMeasuredWidths() {
        LatencyTable.Grid g =
                new LatencyTable.Grid(
                        new int[] {2, 4, 8},
                        new int[] {10, 20},
                        new double[][] {{1, 2}, {3, 4}, {7, 9}});
        assertThat(g.at(2, 10)).isEqualTo(1);
        assertThat(g.at(4, 20)).isEqualTo(4);
        assertThat(g.at(3, 15)).isCloseTo(2.5, within(1e-12));
        assertThat(g.at(4, 10)).isEqualTo(3);
        // Between the second and third input width: 6 is halfway from 4 to 8.
        assertThat(g.at(6, 10)).isCloseTo(5, within(1e-12));
        assertThat(g.at(6, 20)).isCloseTo(6.5, within(1e-12));
        // Outside: the nearest measurement.
        assertThat(g.at(1, 5)).isEqualTo(1);
        assertThat(g.at(16, 40)).isEqualTo(9);
    }
}
