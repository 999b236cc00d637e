package dev.sprig.epi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.DataSplits;
import dev.sprig.models.Blueprint;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NetOp;
import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.CouplingGraph;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpiTest {
    @TempDir Path tmp;

    @Test
    void dominantSubnetworkMeetsTheBudgetWithinOneChannel() {
        // A synthetic timer proportional to multiply-adds: bilinear in the widths, so the table
        // interpolates it exactly.
        Blueprint resnet = ModelZoo.blueprint("resnet-20", 3, 32, 10, 0.5, null);
        LatencyTable table =
                ResourceBudget.measureLatency(
                        resnet,
                        l ->
                                1e-9
                                        * l.inChannels()
                                        / l.groups()
                                        * l.outChannels()
                                        * l.kernel()
                                        * l.kernel()
                                        * l.outHeight()
                                        * l.outWidth());
        for (EpiOptions.Budget kind : EpiOptions.Budget.values()) {
            ResourceBudget b = new ResourceBudget(resnet, kind, 0.5, table);
            List<NetOp> layers = resnet.ops(Map.of());
            SplittableRandom r = new SplittableRandom(2);
            Map<String, float[]> scores = new LinkedHashMap<>();
            for (CouplingGraph.ChannelGroup g : Surgeon.groups(layers)) {
                float[] s = new float[g.channels()];
                for (int c = 0; c < s.length; c++) {
                    s[c] = (float) r.nextDouble();
                }
                scores.put(g.bn(), s);
            }
            ChannelMask m = b.dominant(layers, scores);
            Map<String, Integer> widths = Surgeon.widths(layers, m);
            assertThat(b.resource(widths)).as(kind.name()).isLessThanOrEqualTo(b.target());
            // Restoring the best removed channel breaks the budget: the cut is as small as it can
            // be.
            String bestLayer = null;
            float best = -1;
            for (CouplingGraph.ChannelGroup g : Surgeon.groups(layers)) {
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
            assertThat(b.resource(plusOne)).as(kind.name()).isGreaterThan(b.target());
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
    @Tag("pipeline")
    void theOracleGridOnEmbeddedSparkMatchesTheGridInProcess() throws Exception {
        TrainConfig c = config();
        c.threads = 1;
        DataSplits data = DataSplits.load(c.dataset, Path.of("."), 0, c.seed);
        List<RunSummary> here =
                Epi.grid(
                        c,
                        data,
                        tmp.resolve("here"),
                        RunFolder.Mode.NEW,
                        List.of(0, 2),
                        Progress.silent());
        TrainConfig s = c.copy();
        s.master = "local[2]";
        List<RunSummary> spark =
                Epi.grid(
                        s,
                        data,
                        tmp.resolve("spark"),
                        RunFolder.Mode.NEW,
                        List.of(0, 2),
                        Progress.silent());
        assertThat(spark).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(spark.get(i).testAccuracy()).isEqualTo(here.get(i).testAccuracy());
            assertThat(spark.get(i).testLoss()).isEqualTo(here.get(i).testLoss());
            assertThat(spark.get(i).trainFlops()).isEqualTo(here.get(i).trainFlops());
            assertThat(spark.get(i).extra().get("prune_epoch"))
                    .isEqualTo(here.get(i).extra().get("prune_epoch"));
        }
        assertThat(Json.JSON.readTree(tmp.resolve("spark/oracle.json").toFile())).hasSize(3);
        // A latency budget's table is measured here: a cluster's workers would not see it.
        TrainConfig cluster = c.copy();
        cluster.master = "spark://nowhere:7077";
        cluster.epiBudget = "latency";
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                Epi.grid(
                                        cluster,
                                        data,
                                        tmp.resolve("cluster"),
                                        RunFolder.Mode.NEW,
                                        List.of(0),
                                        Progress.silent()))
                .hasMessageContaining("latency table");
        // A grid asked again into the same folder without --resume is refused, not overwritten.
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                Epi.grid(
                                        s,
                                        data,
                                        tmp.resolve("spark"),
                                        RunFolder.Mode.NEW,
                                        List.of(0, 2),
                                        Progress.silent()))
                .hasMessageContaining("already holds a run");
    }

    @Test
    @Tag("pipeline")
    void warmupTriggerSurgeryAndTrainingEndToEnd() throws Exception {
        TrainConfig c = config();
        DataSplits data = DataSplits.load(c.dataset, Path.of("."), 0, c.seed);
        List<RunSummary> runs =
                Epi.grid(
                        c,
                        data,
                        tmp.resolve("grid"),
                        RunFolder.Mode.NEW,
                        List.of(0, 2),
                        Progress.silent());
        RunSummary epi = runs.get(0);
        // r = 1, tau = 0.5: EPI is defined after the second epoch and fires there.
        assertThat(epi.extra().get("prune_epoch")).isEqualTo(2);
        assertThat(((Number) epi.extra().get("resource_fraction")).doubleValue())
                .isLessThanOrEqualTo(0.5);
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

    @Test
    @Tag("pipeline")
    void aStepIntervalPrunesMidEpochAndAResumeMidIntervalEndsIdentically() throws Exception {
        TrainConfig c = config();
        c.epiInterval = "4"; // 6 steps an epoch: observations at steps 4, 8, 12, ...
        c.epiImportance = "taylor"; // averaged over the steps since the last observation
        DataSplits data = DataSplits.load(c.dataset, Path.of("."), 0, c.seed);
        RunSummary whole =
                Epi.run(
                        new dev.sprig.train.MethodRun(
                                c,
                                data,
                                tmp.resolve("whole"),
                                RunFolder.Mode.NEW,
                                Progress.silent()));
        // r = 1, tau = 0.5: EPI is defined at the second observation and fires there.
        assertThat(whole.extra().get("prune_step")).isEqualTo(8L);
        assertThat(whole.extra().get("prune_epoch")).isEqualTo(1);
        List<String> warmup = Files.readAllLines(tmp.resolve("whole/warmup/metrics.jsonl"));
        assertThat(warmup).hasSize(2);
        assertThat(Json.JSON.readTree(warmup.get(1)).get("step").asLong()).isEqualTo(8);
        List<String> pruned = Files.readAllLines(tmp.resolve("whole/pruned/metrics.jsonl"));
        assertThat(pruned).hasSize(c.epochs - 1);
        assertThat(Json.JSON.readTree(pruned.get(0)).get("step").asLong())
                .as("the pruned network finishes epoch 2 from its third batch")
                .isEqualTo(12);
        @SuppressWarnings("unchecked")
        Map<String, Object> budget = (Map<String, Object>) whole.extra().get("budget");
        assertThat((double) budget.get("fraction_of_schedule")).isEqualTo(8.0 / 30);
        assertThat((Double) budget.get("epochs_trained")).isEqualTo(8.0 / 6);

        // Stopped after step 7 (observation at 4 taken, Taylor sums of steps 5-7 pending), resumed.
        Path dir = tmp.resolve("stopped");
        Progress stopAfterSeven =
                new Progress() {
                    private int steps;

                    @Override
                    public void epochStart(int epoch, int epochs, int batches, int startBatch) {}

                    @Override
                    public void step(long examples, double loss, double accuracy) {
                        if (++steps == 7) {
                            dev.sprig.train.Interruption.request("INT");
                        }
                    }

                    @Override
                    public void epochEnd(String line) {}
                };
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () ->
                                    Epi.run(
                                            new dev.sprig.train.MethodRun(
                                                    c,
                                                    data,
                                                    dir,
                                                    RunFolder.Mode.NEW,
                                                    stopAfterSeven)))
                    .isInstanceOf(dev.sprig.train.Interruption.Stopped.class);
        } finally {
            dev.sprig.train.Interruption.clear();
        }
        RunSummary resumed =
                Epi.run(
                        new dev.sprig.train.MethodRun(
                                c, data, dir, RunFolder.Mode.RESUME, Progress.silent()));
        assertThat(resumed.extra().get("prune_step")).isEqualTo(8L);
        assertThat(resumed.extra().get("epi_series")).isEqualTo(whole.extra().get("epi_series"));
        assertThat(resumed.extra().get("channel_counts"))
                .isEqualTo(whole.extra().get("channel_counts"));
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
    }

    @Test
    void latencyGridInterpolatesBilinearlyAndIsMadeMonotone() {
        LatencyTable.Grid g =
                new LatencyTable.Grid(
                        new int[] {1, 3}, new int[] {2, 4}, new double[][] {{1, 2}, {3, 6}});
        LatencyTable t = new LatencyTable(Map.of("c", g));
        LayerSpec at =
                new LayerSpec(
                        "c", dev.sprig.models.LayerKind.CONV, 2, 3, 3, 1, 1, 8, 8, 8, 8, false);
        assertThat(t.seconds(List.of(at))).isEqualTo((1 + 2 + 3 + 6) / 4.0);
        LayerSpec corner =
                new LayerSpec(
                        "c", dev.sprig.models.LayerKind.CONV, 3, 4, 3, 1, 1, 8, 8, 8, 8, false);
        assertThat(t.seconds(List.of(corner))).isEqualTo(6);
        // A noisy measurement where a wider layer timed faster is lifted to its narrower neighbour.
        List<LayerSpec> full =
                List.of(
                        new LayerSpec(
                                "c",
                                dev.sprig.models.LayerKind.LINEAR,
                                1,
                                8,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                false));
        List<LayerSpec> narrow =
                List.of(
                        new LayerSpec(
                                "c",
                                dev.sprig.models.LayerKind.LINEAR,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                false));
        LatencyTable noisy =
                LatencyTable.measure(
                        full, narrow, l -> l.outChannels() == 4 ? 0.5 : l.outChannels());
        LatencyTable.Grid n = noisy.layers().get("c");
        assertThat(n.outs()).containsExactly(1, 2, 4, 6, 8);
        assertThat(n.seconds()[0]).containsExactly(1, 2, 2, 6, 8);
        Path file = tmp.resolve("latency.json");
        noisy.write(file);
        assertThat(LatencyTable.read(file).layers().get("c").seconds()[0])
                .containsExactly(1, 2, 2, 6, 8);
    }

    @Test
    @Tag("pipeline")
    void engineTimerTimesALayerOnTheDefaultDevice() {
        LatencyTable.EngineTimer timer =
                new LatencyTable.EngineTimer(dev.sprig.Sprig.device(null), 4, 3);
        double s =
                timer.seconds(
                        new LayerSpec(
                                "c",
                                dev.sprig.models.LayerKind.CONV,
                                3,
                                8,
                                3,
                                1,
                                1,
                                8,
                                8,
                                8,
                                8,
                                false));
        assertThat(s).isPositive().isLessThan(5.0);
        double l =
                timer.seconds(
                        new LayerSpec(
                                "f",
                                dev.sprig.models.LayerKind.LINEAR,
                                16,
                                4,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                true));
        assertThat(l).isPositive().isLessThan(5.0);
    }
}
