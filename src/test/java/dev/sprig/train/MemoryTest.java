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
        long[] rss = new long[2];
        int[] arrays = new int[2];
        TrainingHook probe = new TrainingHook() {
            @Override
            public void afterOptimizerStep(StepContext s) {
                try {
                    if (s.step() == 10) {
                        arrays[0] = s.run().model().manager().getManagedArrays().size();
                    }
                    if (s.step() == 500 || s.step() == 1999) {
                        System.gc();
                        rss[s.step() == 500 ? 0 : 1] = residentKb();
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
        // A leak of one small temporary per step would add ~1,500 arrays; 0.4 MB per step ~600 MB.
        assertThat(arrays[1]).isLessThanOrEqualTo(arrays[0]);
        assertThat(rss[1] - rss[0]).as("RSS growth in KB from step 500 to 2000").isLessThan(48 * 1024);
    }
}
