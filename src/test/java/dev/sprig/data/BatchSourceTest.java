package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchSourceTest {
    private final ImageSet set = SyntheticImages.generate(100, 3, 8, 4, 5);
    private final Normalization norm =
            new Normalization(new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.3f});

    @Test
    void sameSeedEpochAndBatchGiveTheSameBatch() {
        BatchSource a = new BatchSource(set, norm, 16, true, true, 42);
        BatchSource b = new BatchSource(set, norm, 16, true, true, 42);
        assertThat(b.batch(3, 2).images()).isEqualTo(a.batch(3, 2).images());
        assertThat(b.batch(3, 2).labels()).isEqualTo(a.batch(3, 2).labels());
        // A fresh source asked for a later batch first (as after a resume) agrees too.
        BatchSource c = new BatchSource(set, norm, 16, true, true, 42);
        assertThat(c.batch(3, 5).images()).isEqualTo(a.batch(3, 5).images());
    }

    @Test
    void epochsArePermutationsAndDiffer() {
        BatchSource s = new BatchSource(set, norm, 16, true, false, 1);
        int[] e0 = s.order(0).clone();
        int[] e1 = s.order(1).clone();
        assertThat(e0).isNotEqualTo(e1);
        Arrays.sort(e0);
        for (int i = 0; i < e0.length; i++) {
            assertThat(e0[i]).isEqualTo(i);
        }
        assertThat(s.batchesPerEpoch()).isEqualTo(7);
        assertThat(s.batch(0, 6).size()).isEqualTo(4);
    }

    @Test
    void normalisesPerChannel() {
        BatchSource s = new BatchSource(set, norm, 1, false, false, 1);
        float[] x = s.batch(0, 0).images();
        int plane = 64;
        for (int c = 0; c < 3; c++) {
            int raw = set.pixels()[c * plane + 5] & 0xff;
            assertThat(x[c * plane + 5])
                    .isCloseTo((raw / 255f - norm.mean()[c]) / norm.std()[c], within(1e-6f));
        }
    }

    @Test
    void augmentationShiftsWithZeroPaddingAndFlips() {
        BatchSource s = new BatchSource(set, norm, 1, false, true, 1);
        float[] out = new float[set.imageSize()];
        s.copyAugmented(0, out, 0, 0, 0, true);
        int w = 8;
        float[] t0 = norm.table(0);
        // Flip: output column x reads source column w-1-x.
        assertThat(out[3 * w + 1]).isEqualTo(t0[set.pixels()[3 * w + (w - 2)] & 0xff]);
        s.copyAugmented(0, out, 0, 2, -3, false);
        // Shift down by 2 pulls row y+2; shift left by -3 makes the first 3 columns padding.
        assertThat(out[0]).isEqualTo(t0[0]);
        assertThat(out[4 * w + 5]).isEqualTo(t0[set.pixels()[6 * w + 2] & 0xff]);
        // Over many batches augmentation changes images but keeps labels.
        Set<Integer> distinct = new HashSet<>();
        for (int e = 0; e < 10; e++) {
            distinct.add(Arrays.hashCode(s.batch(e, 0).images()));
            assertThat(s.batch(e, 0).labels()[0]).isEqualTo(set.labels()[0]);
        }
        assertThat(distinct.size()).isGreaterThan(5);
    }

    @Test
    void validationSplitIsDisjointDeterministicAndSeedDependent() {
        ImageSet full = SyntheticImages.generate(200, 1, 4, 3, 9);
        DataSplits a =
                DataSplits.split("s", full, full, SyntheticImages.normalization(1), 0.1, 7, false);
        DataSplits b =
                DataSplits.split("s", full, full, SyntheticImages.normalization(1), 0.1, 7, false);
        DataSplits c =
                DataSplits.split("s", full, full, SyntheticImages.normalization(1), 0.1, 8, false);
        assertThat(a.validation().size()).isEqualTo(20);
        assertThat(a.train().size()).isEqualTo(180);
        assertThat(a.validation()).isEqualTo(b.validation());
        assertThat(a.validation()).isNotEqualTo(c.validation());
        int[] counts = a.train().classCounts();
        int[] vc = a.validation().classCounts();
        int[] all = full.classCounts();
        for (int k = 0; k < 3; k++) {
            assertThat(counts[k] + vc[k]).isEqualTo(all[k]);
        }
    }
}
