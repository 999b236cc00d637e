package dev.sprig.structured;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StabilityTriggerTest {

    @Test
    void psiAndEpiMatchHandComputedValues() {
        // |4-2|/6 = 1/3 and |10-10|/20 = 0: ψ = 1 - (1/3)/2 = 5/6
        assertThat(EpiTrigger.psi(new int[] {4, 10}, new int[] {2, 10}))
                .isCloseTo(5.0 / 6, within(1e-12));
        assertThat(EpiTrigger.psi(new int[] {3, 3}, new int[] {3, 3})).isEqualTo(1.0);
        EpiTrigger t = new EpiTrigger(2, 0.5, 0, true);
        t.observe(new int[] {4, 10});
        t.observe(new int[] {2, 10});
        t.observe(new int[] {2, 10});
        // EPI_2 = (ψ(A2,A1) + ψ(A2,A0)) / 2 = (1 + 5/6) / 2
        assertThat(t.series().get(2)).isCloseTo((1 + 5.0 / 6) / 2, within(1e-12));
        assertThat(t.series().get(0)).isNaN();
        assertThat(t.firedAt()).isEqualTo(2);
    }

    @Test
    void epiFiresOnlyAboveTauAndWhenRisingOverTheWindow() {
        EpiTrigger t = new EpiTrigger(1, 0.9, 2, true);
        int[][] seq = {{10, 10}, {5, 10}, {8, 10}, {9, 10}, {9, 10}, {9, 10}};
        // EPI: NaN, 1-(5/15)/2=0.833, 1-(3/13)/2=0.885, 1-(1/17)/2=0.971, 1, 1
        boolean[] fired = new boolean[seq.length];
        for (int i = 0; i < seq.length; i++) {
            fired[i] = t.observe(seq[i]);
        }
        // epoch 3: 0.971 > 0.9 and > both 0.885 and 0.833 -> fires once, never again
        assertThat(fired).containsExactly(false, false, false, true, false, false);
        assertThat(t.firedAt()).isEqualTo(3);

        EpiTrigger flat = new EpiTrigger(1, 0.9, 2, true);
        for (int i = 0; i < 6; i++) {
            flat.observe(new int[] {7, 7});
        }
        assertThat(flat.firedAt()).as("a constant EPI never strictly rises").isEqualTo(-1);
        EpiTrigger loose = new EpiTrigger(1, 0.9, 2, false);
        for (int i = 0; i < 6; i++) {
            loose.observe(new int[] {7, 7});
        }
        assertThat(loose.firedAt()).isEqualTo(3);
    }

    private static Map<String, float[]> scales(float[]... layers) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (int i = 0; i < layers.length; i++) {
            m.put("bn" + i, layers[i]);
        }
        return m;
    }

    @Test
    void globalThresholdPrunesTheSmallestScalesButNeverEmptiesALayer() {
        Map<String, float[]> g =
                scales(new float[] {0.9f, -0.8f, 0.05f, 0.7f}, new float[] {0.01f, 0.02f});
        // sorted |γ| = .01 .02 .05 .7 .8 .9; ratio 0.5 -> threshold sorted[3] = 0.7, keep > 0.7
        ChannelMask m = ChannelMask.fromScales(g, 0.5, false);
        assertThat(m.layer("bn0")).containsExactly(true, true, false, false);
        assertThat(m.layer("bn1")).as("its largest channel survives").containsExactly(false, true);
        assertThat(m.counts()).containsExactly(Map.entry("bn0", 2), Map.entry("bn1", 1));
        ChannelMask perLayer = ChannelMask.fromScales(g, 0.5, true);
        assertThat(perLayer.layer("bn1")).containsExactly(false, true);
        assertThat(perLayer.layer("bn0"))
                .as("per layer: threshold 0.8 of its own scales")
                .containsExactly(true, false, false, false);
    }

    @Test
    void hammingDistanceIsTheFractionOfDisagreeingChannels() {
        ChannelMask a = new ChannelMask(Map.of("bn", new boolean[] {true, true, false, false}));
        ChannelMask b = new ChannelMask(Map.of("bn", new boolean[] {true, false, false, true}));
        assertThat(a.distance(b)).isEqualTo(0.5);
        assertThat(a.distance(a)).isZero();
    }

    @Test
    void earlyBirdFiresWhenTheNewestMaskIsCloseToEveryQueuedOne() {
        MaskDistanceTrigger t = new MaskDistanceTrigger(3, 0.25);
        boolean[][] seq = {
            {true, false, true, false}, {false, true, true, false}, {true, true, true, false},
            {true, true, true, true}, {true, true, true, true}, {true, true, true, true}
        };
        int fired = -1;
        for (int i = 0; i < seq.length; i++) {
            if (t.observe(new ChannelMask(Map.of("bn", seq[i])))) {
                fired = i;
            }
        }
        // i=2: distances to i=0 and i=1 are 0.25 and 0.25 -> within ε = 0.25: fires at 2
        assertThat(fired).isEqualTo(2);
        MaskDistanceTrigger strictT = new MaskDistanceTrigger(3, 0.2);
        int firedStrict = -1;
        for (int i = 0; i < seq.length; i++) {
            if (strictT.observe(new ChannelMask(Map.of("bn", seq[i])))) {
                firedStrict = i;
            }
        }
        // i=2 too far (0.25), i=3: to i=1 0.5; i=4: to i=2 0.25; i=5: 0 and 0 -> fires at 5
        assertThat(firedStrict).isEqualTo(5);
    }

    @Test
    void triggersSayTrueOnceAtTheObservationThatFiresAndCheckTheirSettings() {
        MaskDistanceTrigger t = new MaskDistanceTrigger(2, 0.0);
        boolean[][] seq = {{true, false}, {false, true}, {false, true}, {false, true}};
        boolean[] said = new boolean[seq.length];
        for (int i = 0; i < seq.length; i++) {
            said[i] = t.observe(new ChannelMask(Map.of("bn", seq[i])));
        }
        // Queue of 2, epsilon 0: the first pair differs (distance 1), the second is identical.
        assertThat(said).containsExactly(false, false, true, false);
        assertThat(t.firedAt()).isEqualTo(2);
        assertThat(new MaskDistanceTrigger(2, 1.0)).isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MaskDistanceTrigger(1, 0.1))
                .hasMessageContaining("queue length must be at least 2, got 1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MaskDistanceTrigger(2, -0.01))
                .hasMessageContaining("epsilon must be in [0, 1]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MaskDistanceTrigger(2, 1.01))
                .hasMessageContaining("epsilon must be in [0, 1]");

        // EPI with r = 1 and a window of 3: psi of 20 vs 10 is 1 - 10/30, then 25 vs 20
        // 1 - 5/45, 27 vs 25 1 - 2/52, 28 vs 27 1 - 1/55: rising above tau = 0.5 from the first
        // value, but the window needs three earlier values, so it fires at observation 4.
        EpiTrigger e = new EpiTrigger(1, 0.5, 3, true);
        int[][] widths = {{10}, {20}, {25}, {27}, {28}, {28}};
        boolean[] fired = new boolean[widths.length];
        for (int i = 0; i < widths.length; i++) {
            fired[i] = e.observe(widths[i]);
        }
        assertThat(fired).containsExactly(false, false, false, false, true, false);
        assertThat(e.series().get(1)).isCloseTo(1 - 10.0 / 30, within(1e-12));
        assertThat(e.series().get(4)).isCloseTo(1 - 1.0 / 55, within(1e-12));
        assertThat(new EpiTrigger(1, 0.5, 0, false)).isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new EpiTrigger(0, 0.5, 0, true))
                .hasMessageContaining("need r >= 1 and window >= 0, got r=0, window=0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new EpiTrigger(1, 0.5, -1, true))
                .hasMessageContaining("window=-1");
    }

    @Test
    void aLayerPrunedWhollyKeepsItsFirstLargestChannelAndRatiosAreChecked() {
        // Global ratio 0.5 of {0.9, 0.8, 0.01, 0.01}: threshold sorted[2] = 0.8, keep > 0.8. The
        // second layer's equal scales are all below: its first channel survives.
        Map<String, float[]> g = scales(new float[] {0.9f, 0.8f}, new float[] {0.01f, 0.01f});
        ChannelMask m = ChannelMask.fromScales(g, 0.5, false);
        assertThat(m.layer("bn0")).containsExactly(true, false);
        assertThat(m.layer("bn1")).containsExactly(true, false);
        assertThat(ChannelMask.fromScales(g, 0.0, false).counts().values()).containsExactly(2, 1);
        Map<String, float[]> empty = scales(new float[0], new float[] {1f, 2f});
        assertThat(ChannelMask.fromScales(empty, 0.5, false).layer("bn0")).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChannelMask.fromScales(g, 1.0, false))
                .hasMessageContaining("pruning ratio must be in [0, 1), got 1.0");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChannelMask.fromScales(g, -0.1, false))
                .hasMessageContaining("pruning ratio must be in [0, 1)");
    }
}
