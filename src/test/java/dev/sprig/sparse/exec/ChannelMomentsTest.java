package dev.sprig.sparse.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Batch norm's one-pass statistics against a two-pass reference in double: shifted sums must stay
 * precise where a plain float sum of squares would not (a large mean over a small spread), for
 * channel lengths that do and do not fill the last block.
 */
class ChannelMomentsTest {

    @ParameterizedTest
    @CsvSource({
        "4096, 0, 1",
        "4096, 1000, 1",
        "1000, -300, 0.01",
        "513, 5, 2",
        "7, 0.5, 3",
        "1, 2, 1"
    })
    void matchesTwoPassMomentsInDouble(int n, double mean, double std) {
        SplittableRandom r = new SplittableRandom(n);
        int off = 3;
        float[] x = new float[off + n + 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (mean + std * r.nextGaussian());
        }
        x[off - 1] = 1e6f; // neighbours outside the channel must not count
        x[off + n] = -1e6f;
        double sum = 0;
        for (int i = off; i < off + n; i++) {
            sum += x[i];
        }
        double mu = sum / n;
        double sq = 0;
        for (int i = off; i < off + n; i++) {
            sq += (x[i] - mu) * (x[i] - mu);
        }
        double var = sq / n;

        double[] moments = new double[2];
        SparseCnn.channelMoments(x, off, n, new float[2], moments);

        assertThat(moments[0]).isCloseTo(mu, within(1e-6 * Math.max(1, Math.abs(mu))));
        assertThat(moments[1]).isCloseTo(var, within(1e-5 * var + 1e-12));
    }
}
