package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.DataSplits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each step lives in its own sub-manager, so a long run keeps flat memory. */
class MemoryTest {
    static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void twoThousandStepsKeepResidentMemoryAndManagedArraysFlat() {
        TrainConfig c = new TrainConfig();
        c.dataset = "synthetic";
        c.batchSize = 32;
        c.epochs = 20;
        c.maxStepsPerEpoch = 100;
        c.validationFraction = 0;
        c.lr = 0.01;
        // Minimum resident size over an early and a late window: the allocator's arenas make single
        // samples jump by tens of MB, while a leak raises the floor.
        long[] rss = {Long.MAX_VALUE, Long.MAX_VALUE};
        int[] arrays = new int[2];
        TrainingHook probe =
                new TrainingHook() {
                    @Override
                    public void afterOptimizerStep(StepContext s) {
                        try {
                            if (s.step() == 10) {
                                arrays[0] = s.run().model().manager().getManagedArrays().size();
                            }
                            long t = s.step();
                            if (t % 100 == 0 && ((t >= 400 && t <= 900) || t >= 1500)) {
                                System.gc();
                                int window = t <= 900 ? 0 : 1;
                                rss[window] = Math.min(rss[window], residentKb());
                            }
                            if (s.step() == 1999) {
                                arrays[1] = s.run().model().manager().getManagedArrays().size();
                            }
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                };
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0, 0);
        RunSummary s = new Trainer(c, data, null, List.of(probe), false).run();
        assertThat(s.extra().get("steps")).isEqualTo(2000L);
        // A leak of one small temporary per step would add ~1,000 arrays; 0.1 MB per step ~100 MB.
        assertThat(arrays[1]).isLessThanOrEqualTo(arrays[0]);
        assertThat(rss[1] - rss[0]).as("growth in KB of the RSS floor").isLessThan(64 * 1024);
    }
}
