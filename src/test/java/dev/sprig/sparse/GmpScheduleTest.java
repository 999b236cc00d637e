package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.train.Methods;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gradual magnitude pruning (Zhu and Gupta 2017): s_t = s_f (1 - (1 - (t - t_0) / (t_end - t_0))^3)
 * at every ΔT from t_0, held between updates, by hand on a 20-step run.
 */
class GmpScheduleTest {
    @Test
    void theCubicRampPrunesEachLayerToItsScheduledCount() {
        TrainConfig c = SparseUpdaterContractTest.config("gmp", 0.8, 3, "uniform");
        c.firstLayerDense = false;
        c.lastLayerDense = false;
        c.beginFraction = 0.1; // t_0 = 2 of 20 steps
        c.endFraction = 0.6; // t_end = 12
        c.updateInterval = 2;
        List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(c));
        GmpUpdater gmp = (GmpUpdater) hooks.get(0);
        assertThat(gmp.name()).isEqualTo("gmp");
        List<Map<String, Long>> counts = new ArrayList<>();
        hooks.add(
                new TrainingHook() {
                    @Override
                    public void afterOptimizerStep(StepContext step) {
                        Map<String, Long> m = new LinkedHashMap<>();
                        for (String l : gmp.masks().layers()) {
                            m.put(l, gmp.masks().count(l));
                        }
                        counts.add(m);
                    }
                });
        new Trainer(c, DataSplits.load("synthetic", Path.of("."), 0, 3), null, hooks, false).run();
        assertThat(counts).hasSize(20);
        // s at the last update at or before each step: dense before t_0 = 2, then
        // 0.8 (1 - (1 - p)^3) with p = (t - 2) / 10 at t = 2, 4, ..., 12, and 0.8 after.
        double[] s = new double[20];
        for (int t = 0; t < 20; t++) {
            int last = t < 2 ? -1 : Math.min(12, 2 + (t - 2) / 2 * 2);
            double p = last < 0 ? 0 : (last - 2) / 10.0;
            s[t] = last < 0 ? 0 : 0.8 * (1 - Math.pow(1 - p, 3));
        }
        assertThat(s[4]).isEqualTo(0.8 * (1 - 0.512), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s[9]).isEqualTo(0.8 * (1 - 0.064), org.assertj.core.data.Offset.offset(1e-12));
        for (LayerSpec l : ModelZoo.specs("lenet-300-100", 1, 28, 10, 0.1)) {
            if (!l.kind().isPrunable()) {
                continue;
            }
            for (int t = 0; t < 20; t++) {
                assertThat(counts.get(t).get(l.name()))
                        .as("%s after step %d (sparsity %.4f)", l.name(), t, s[t])
                        .isEqualTo(Math.round((1 - s[t]) * l.weightCount()));
            }
        }
    }
}
