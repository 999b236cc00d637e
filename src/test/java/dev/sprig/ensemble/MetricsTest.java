package dev.sprig.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every metric against values worked out by hand on three examples. */
class MetricsTest {
    private static final int[] LABELS = {0, 1, 1};
    private static final Predictions A =
            new Predictions(new float[] {0.85f, 0.15f, 0.35f, 0.65f, 0.75f, 0.25f}, 2, LABELS);
    private static final Predictions B =
            new Predictions(new float[] {0.4f, 0.6f, 0.35f, 0.65f, 0.75f, 0.25f}, 2, LABELS);

    @Test
    void accuracyNllAndBrier() {
        assertThat(A.accuracy()).isCloseTo(2.0 / 3, within(1e-12));
        // -(ln .85 + ln .65 + ln .25) / 3
        assertThat(A.nll()).isCloseTo(0.659865, within(1e-5));
        // (.045 + .245 + 1.125) / 3
        assertThat(A.brier()).isCloseTo(0.471667, within(1e-5));
    }

    @Test
    void eceOverEqualWidthBins() {
        // 5 bins: .85 alone in (0.8, 1] (correct); .65 and .75 in (0.6, 0.8] (one right): (.15 + 2
        // × .2) / 3.
        assertThat(Calibration.ece(A, 5)).isCloseTo(0.55 / 3, within(1e-6));
        // 1 bin: |2/3 − .75|.
        assertThat(Calibration.ece(A, 1)).isCloseTo(0.75 - 2.0 / 3, within(1e-6));
        List<Calibration.Bin> bins = Calibration.reliability(A, 5);
        assertThat(bins).hasSize(5);
        assertThat(bins.get(3).count()).isEqualTo(2);
        assertThat(bins.get(3).accuracy()).isEqualTo(0.5);
        assertThat(bins.get(3).confidence()).isCloseTo(0.7, within(1e-6));
        assertThat(bins.get(0).count()).isZero();
    }

    @Test
    void ensembleAveragesProbabilities() {
        Predictions e = Predictions.mean(List.of(A, B));
        assertThat(e.probabilities()[0]).isCloseTo(0.625f, within(1e-6f));
        assertThat(e.probabilities()[1]).isCloseTo(0.375f, within(1e-6f));
        assertThat(e.accuracy()).isCloseTo(2.0 / 3, within(1e-12));
        Predictions other = new Predictions(new float[] {1, 0}, 2, new int[] {0});
        assertThatThrownBy(() -> Predictions.mean(List.of(A, other)))
                .hasMessageContaining("different examples");
    }

    @Test
    void diversityOverAllPairs() {
        // A predicts 0,1,0 and B 1,1,0: one example in three differs.
        assertThat(Diversity.disagreement(List.of(A, B))).isCloseTo(1.0 / 3, within(1e-12));
        // Pairs (A,B) 1/3, (A,A') 0, (B,A') 1/3: no constant is added to non-zero entries.
        assertThat(Diversity.disagreement(List.of(A, B, A))).isCloseTo(2.0 / 9, within(1e-12));
        // KL(A||B) = (.85 ln(.85/.4) + .15 ln(.15/.6)) / 3, KL(B||A) = (.4 ln(.4/.85) + .6
        // ln(.6/.15)) / 3.
        double ab = (0.85 * Math.log(0.85 / 0.4) + 0.15 * Math.log(0.15 / 0.6)) / 3;
        double ba = (0.4 * Math.log(0.4 / 0.85) + 0.6 * Math.log(0.6 / 0.15)) / 3;
        assertThat(Diversity.kl(List.of(A, B))).isCloseTo((ab + ba) / 2, within(1e-6));
        assertThat(Diversity.kl(List.of(A, A))).isCloseTo(0, within(1e-9));
        assertThatThrownBy(() -> Diversity.kl(List.of(A))).hasMessageContaining("two members");
    }

    @Test
    void aurocCountsPairsAndHalfTies() {
        // 0.9 and 0.8 beat all three OoD scores; 0.4 beats 0.1, ties 0.4 and loses to 0.5: 7.5 of 9
        // pairs.
        assertThat(OodDetection.auroc(new double[] {0.9, 0.8, 0.4}, new double[] {0.5, 0.4, 0.1}))
                .isCloseTo(7.5 / 9, within(1e-12));
        assertThat(OodDetection.auroc(new double[] {1, 2}, new double[] {3, 4})).isZero();
        assertThat(OodDetection.auroc(new double[] {1, 1}, new double[] {1})).isEqualTo(0.5);
    }

    @Test
    void entropyAndConfidenceScores() {
        Predictions uniform = new Predictions(new float[] {0.5f, 0.5f}, 2, new int[] {0});
        assertThat(uniform.entropy()[0]).isCloseTo(Math.log(2), within(1e-7));
        Predictions sure = new Predictions(new float[] {1f, 0f}, 2, new int[] {0});
        assertThat(sure.entropy()[0]).isZero();
        // The confident example is the in-distribution one under both scores.
        assertThat(OodDetection.aurocMaxProbability(sure, uniform)).isEqualTo(1.0);
        assertThat(OodDetection.aurocEntropy(sure, uniform)).isEqualTo(1.0);
    }

    @Test
    void reliabilityBinsAreRightClosedAndPredictionsBreakTiesLow() {
        // Confidences 0.4 (tie 0.4/0.4/0.2 -> class 0), 0.5, 0.75 and 1.0 in 4 bins of width 1/4:
        // 0.4 -> (0.25, 0.5], 0.5 -> (0.25, 0.5], 0.75 -> (0.5, 0.75], 1.0 -> (0.75, 1].
        Predictions p =
                new Predictions(
                        new float[] {
                            0.4f, 0.4f, 0.2f, 0.5f, 0.25f, 0.25f, 0.125f, 0.75f, 0.125f, 0f, 0f, 1f
                        },
                        3,
                        new int[] {1, 0, 1, 2});
        assertThat(p.predicted(0)).isEqualTo(0);
        assertThat(p.predicted(2)).isEqualTo(1);
        assertThat(p.predicted(3)).isEqualTo(2);
        List<Calibration.Bin> bins = Calibration.reliability(p, 4);
        assertThat(bins.get(0).count()).isZero();
        assertThat(bins.get(1).count()).isEqualTo(2);
        assertThat(bins.get(1).confidence()).isCloseTo(0.45, within(1e-7));
        assertThat(bins.get(1).accuracy()).isEqualTo(0.5);
        assertThat(bins.get(1).lower()).isEqualTo(0.25);
        assertThat(bins.get(1).upper()).isEqualTo(0.5);
        assertThat(bins.get(2).count()).isEqualTo(1);
        assertThat(bins.get(2).accuracy()).isEqualTo(1.0);
        assertThat(bins.get(3).count()).isEqualTo(1);
        assertThat(bins.get(3).confidence()).isEqualTo(1.0);
        // Entropy of (0.5, 0.25, 0.25) is 1.5 ln 2; of a one-hot row 0.
        assertThat(p.entropy()[1]).isCloseTo(1.5 * Math.log(2), within(1e-7));
        assertThat(p.entropy()[3]).isZero();
    }
}
