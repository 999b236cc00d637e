package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchPrefetcherTest {
    private static BatchSource source() {
        ImageSet set = SyntheticImages.generate(200, 3, 16, 4, 2);
        return new BatchSource(
                set, SyntheticImages.normalization(3), 32, true, new ResizedCropFlip(0.08), 11);
    }

    @Test
    void batchesFilledAheadOnWorkersAreTheBatchesOfTheirPosition() {
        BatchSource s = source();
        for (int workers : new int[] {0, 1, 3}) {
            try (BatchPrefetcher p = new BatchPrefetcher(s, 5, workers, 3)) {
                for (int epoch = 0; epoch < 3; epoch++) {
                    for (int b = 0; b < 5; b++) {
                        BatchSource.Batch got = p.batch(epoch, b);
                        BatchSource.Batch want = s.batch(epoch, b);
                        assertThat(got.images()).containsExactly(want.images());
                        assertThat(got.labels()).containsExactly(want.labels());
                    }
                }
            }
        }
    }

    @Test
    void aRequestOutOfOrderStartsAgainFromThere() {
        BatchSource s = source();
        try (BatchPrefetcher p = new BatchPrefetcher(s, 7, 2, 4)) {
            p.batch(0, 0);
            p.batch(0, 1);
            // A run resumed at epoch 2, batch 3, or a trigger that ended an epoch early.
            assertThat(p.batch(2, 3).images()).containsExactly(s.batch(2, 3).images());
            assertThat(p.batch(2, 4).images()).containsExactly(s.batch(2, 4).images());
            assertThat(p.batch(3, 0).images()).containsExactly(s.batch(3, 0).images());
        }
    }
}
