package dev.sprig.epi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.Surgeon;
import dev.sprig.train.Json;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpiTest {
    @TempDir Path tmp;

    @Test
    void dominantSubnetworkMeetsTheBudgetWithinOneChannel() {
        for (String kind : List.of("flops", "params")) {
            ResourceBudget b = new ResourceBudget("resnet-20", 3, 32, 10, 0.5, kind, 0.5);
            List<LayerSpec> layers = ModelZoo.specs("resnet-20", 3, 32, 10, 0.5);
            SplittableRandom r = new SplittableRandom(2);
            Map<String, float[]> scores = new LinkedHashMap<>();
            for (Surgeon.ChannelGroup g : Surgeon.groups(layers)) {
                float[] s = new float[g.channels()];
                for (int c = 0; c < s.length; c++) {
                    s[c] = (float) r.nextDouble();
                }
                scores.put(g.bn(), s);
            }
            ChannelMask m = b.dominant(layers, scores);
            Map<String, Integer> widths = Surgeon.widths(layers, m);
            assertThat(b.resource(widths)).as(kind).isLessThanOrEqualTo(b.target());
            // Restoring the best removed channel breaks the budget: the cut is as small as it can be.
            String bestLayer = null;
            float best = -1;
            for (Surgeon.ChannelGroup g : Surgeon.groups(layers)) {
                boolean[] keep = m.layer(g.bn());
                for (int c = 0; c < keep.length; c++) {
                    if (!keep[c] && scores.get(g.bn())[c] > best) {
                        best = scores.get(g.bn())[c];
                        bestLayer = g.conv();
                    }
                }
            }
            Map<String, Integer> plusOne = new LinkedHashMap<>(widths);
            plusOne.merge(bestLayer, 1, Integer::sum);
            assertThat(b.resource(plusOne)).as(kind).isGreaterThan(b.target());
            assertThat(m.counts().values()).allSatisfy(n -> assertThat(n).isPositive());
        }
    }

    static TrainConfig config() {
        TrainConfig c = new TrainConfig();
        c.method = "epi";
        c.model = "vgg-11";
        c.widthMultiplier = 0.125;
        c.dataset = "synthetic";
        c.epochs = 5;
        c.batchSize = 64;
        c.maxStepsPerEpoch = 6;
        c.lr = 0.05;
        c.validationFraction = 0;
        c.threads = 2;
        c.epiWindow = 1;
        c.epiMonotone = 0;
        c.epiTau = 0.5;
        return c;
    }

    @Test
    void warmupTriggerSurgeryAndTrainingEndToEnd() throws Exception {
        TrainConfig c = config();
        DataSplits data = DataSplits.load(c.dataset, Path.of("."), 0, c.seed);
        List<RunSummary> runs = Epi.grid(c, data, tmp.resolve("grid"), RunFolder.Mode.NEW, List.of(0, 2), Progress.silent());
        RunSummary epi = runs.get(0);
        // r = 1, tau = 0.5: EPI is defined after the second epoch and fires there.
        assertThat(epi.extra().get("prune_epoch")).isEqualTo(2);
        assertThat(((Number) epi.extra().get("resource_fraction")).doubleValue()).isLessThanOrEqualTo(0.5);
        assertThat(epi.trainFlops()).isLessThan(epi.denseTrainFlops());
        assertThat(Files.readAllLines(tmp.resolve("grid/epi/warmup/metrics.jsonl"))).hasSize(2);
        assertThat(Files.readAllLines(tmp.resolve("grid/epi/pruned/metrics.jsonl"))).hasSize(3);
        RunSummary atInit = runs.get(1);
        assertThat(atInit.extra().get("prune_epoch")).isEqualTo(0);
        assertThat(Files.exists(tmp.resolve("grid/epoch-0/warmup"))).isFalse();
        assertThat(atInit.trainFlops()).isLessThan(epi.trainFlops());
        assertThat(runs.get(2).extra().get("prune_epoch")).isEqualTo(2);
        assertThat(Json.JSON.readTree(tmp.resolve("grid/oracle.json").toFile())).hasSize(3);
        for (RunSummary r : runs) {
            assertThat(r.epochs()).isEqualTo(c.epochs);
            assertThat(r.nonzeroParams()).isLessThan(r.params());
        }
    }
}
