package dev.sprig.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.data.DataSplits;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.DropSchedule;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.SgdOptimizer;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreeTicketsTest {
    @TempDir Path tmp;

    private static TrainConfig small(String method) {
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.dataset = "synthetic";
        c.model = "lenet-300-100";
        c.epochs = 4;
        c.maxStepsPerEpoch = 6;
        c.batchSize = 32;
        c.updateInterval = 3;
        c.members = 2;
        c.seed = 3;
        return c;
    }

    private static DataSplits data(TrainConfig c) {
        return DataSplits.load("synthetic", Path.of("."), c.validationFraction, c.seed);
    }

    @Test
    void edstPhasesScaleWithTheScheduleFromTheAuthorsSplit() {
        TrainConfig c = new TrainConfig();
        c.method = "edst-ensemble";
        c.members = 3;
        c.epochs = 450;
        EnsembleOptions authors = EnsembleOptions.from(c);
        assertThat(authors.edstPhases(450)).isEqualTo(new EnsembleOptions.EdstPhases(150, 100));
        assertThat(authors.edstPhases(10)).isEqualTo(new EnsembleOptions.EdstPhases(3, 2));
        assertThat(authors.edstPhases(20)).isEqualTo(new EnsembleOptions.EdstPhases(6, 4));
        c.epochs = 10;
        c.edstExploreFraction = 0.2;
        c.edstRefineFraction = 0.2;
        assertThat(EnsembleOptions.from(c).edstPhases(10))
                .isEqualTo(new EnsembleOptions.EdstPhases(2, 2));
        c.edstExploreEpochs = 4; // epochs win over the fraction
        assertThat(EnsembleOptions.from(c).edstPhases(10))
                .isEqualTo(new EnsembleOptions.EdstPhases(4, 2));
        c.edstRefineFraction = 0.3;
        assertThatThrownBy(() -> EnsembleOptions.from(c).edstPhases(10))
                .hasMessageContaining("EDST needs at least one epoch per refinement phase");
        c.edstExploreEpochs = null;
        c.edstExploreFraction = 1.0;
        assertThatThrownBy(() -> EnsembleOptions.from(c))
                .hasMessageContaining("edst_explore_fraction must be in [0, 1)");
    }

    @Test
    void edstRatesFollowThePhases() {
        // 12 epochs: explore 4, two phases of 4: 0.1 until 4, then 0.01 / 0.001 at half of each
        // phase.
        TreeMap<Integer, Double> p = FreeTickets.edstRates(0.1, 0.01, 12, 4, 4, 2);
        assertThat(p)
                .containsExactlyEntriesOf(
                        new TreeMap<>(Map.of(0, 0.1, 4, 0.01, 6, 0.001, 8, 0.01, 10, 0.001)));
        // The last phase takes the epochs left over: 13 epochs → last phase 8..12, halved at 10.
        assertThat(FreeTickets.edstRates(0.1, 0.01, 13, 4, 4, 2))
                .containsEntry(10, 0.001)
                .containsEntry(8, 0.01);
        TicketKeeper k = new TicketKeeper(new TrainConfig(), tmp, 4, 4, 2);
        assertThat(
                        List.of(
                                k.phaseOf(0),
                                k.phaseOf(3),
                                k.phaseOf(4),
                                k.phaseOf(7),
                                k.phaseOf(8),
                                k.phaseOf(12)))
                .containsExactly(-1, -1, 0, 0, 1, 1);
    }

    @Test
    void explorationJumpsAreUpdateStepsWithTheirOwnFraction() {
        TrainConfig c = new TrainConfig();
        c.epochs = 10;
        c.updateInterval = 100;
        c.dropFraction = 0.5;
        c.dropSchedule = "constant";
        c.endFraction = 0.5;
        c.explorationEpochs = new ArrayList<>(List.of(7));
        c.explorationFraction = 0.8;
        DropSchedule s = DropSchedule.of(c, 1000); // 100 steps per epoch
        assertThat(s.isUpdateStep(700)).isTrue(); // after T_end, still a jump
        assertThat(s.dropFraction(700)).isEqualTo(0.8);
        assertThat(s.isUpdateStep(600)).isFalse();
        assertThat(s.isUpdateStep(400)).isTrue();
        assertThat(s.dropFraction(400)).isEqualTo(0.5);
    }

    @Test
    void defaultsAreTheAuthorsAndFlagsOverrideThem() {
        Map<String, Object> d = FreeTickets.defaults("edst-ensemble");
        assertThat(d)
                .containsEntry("sparsity", 0.8)
                .containsEntry("drop_fraction", 0.5)
                .containsEntry("update_interval", 1000)
                .containsEntry("distribution", "erk")
                .containsEntry("weight_decay", 5e-4);
        assertThat(FreeTickets.defaults("dense-ensemble")).doesNotContainKey("sparsity");
        assertThat(FreeTickets.defaults("rigl")).isEmpty();
    }

    @Test
    void edstKeepsOneExactCountTicketPerPhaseAndChargesOneRun() {
        TrainConfig c = small("edst-ensemble");
        c.sparsity = 0.8;
        c.edstExploreEpochs = 2;
        c.epochs = 6;
        c.dropFraction = 0.5;
        c.dropSchedule = "constant";
        c.endFraction = 1.0;
        Path dir = tmp.resolve("edst");
        RunSummary s = FreeTickets.run(c, data(c), dir, RunFolder.Mode.NEW, Progress.silent());
        assertThat(dir.resolve("member-1/ticket.json")).exists();
        assertThat(dir.resolve("member-2/ticket.json")).exists();
        // One run: training FLOPs are one sparse run's, below a dense model's.
        assertThat(s.trainFlops()).isLessThan(s.denseTrainFlops());
        assertThat(s.extra()).containsEntry("exploration_epochs", List.of(4));
        // Each ticket holds at most the allocated number of weights per layer (a regrown weight
        // whose
        // gradient stayed zero is active but still 0, so the count of non-zeros may fall a little
        // short).
        RunSummary run = RunSummary.read(dir.resolve("run"));
        @SuppressWarnings("unchecked")
        Map<String, Double> densities = (Map<String, Double>) run.extra().get("layer_densities");
        for (int m = 1; m <= 2; m++) {
            try (SprigModel model = Trainer.buildModel(c, data(c).train(), ai.djl.Device.cpu())) {
                Checkpoint.load(
                        dir.resolve("member-" + m + "/checkpoints/best.ckpt"),
                        model,
                        new SgdOptimizer(0, false, 0),
                        List.of());
                for (NamedParameter w : model.prunableWeights()) {
                    float[] v = w.array().toFloatArray();
                    long nonzero = 0;
                    for (float x : v) {
                        nonzero += x != 0 ? 1 : 0;
                    }
                    long expected = Math.round(densities.get(w.layer().name()) * v.length);
                    assertThat(nonzero)
                            .as("member %d layer %s", m, w.layer().name())
                            .isBetween((long) (expected * 0.99), expected);
                }
            }
        }
        assertThat((double) s.extra().get("kl_divergence"))
                .as("the tickets are different models")
                .isPositive();
        assertThat(s.testAccuracy()).isGreaterThan(0.5);
    }

    @Test
    void pruneAndFinetuneKeepsTheGloballyLargestWeights() {
        TrainConfig d = small("dense");
        d.epochs = 1;
        Path denseDir = tmp.resolve("dense");
        new Trainer(d, data(d), RunFolder.open(denseDir, RunFolder.Mode.NEW), List.of(), false)
                .run();
        TrainConfig p = small("pf");
        p.epochs = 1;
        p.sparsity = 0.9;
        p.pruneFrom = denseDir.toString();
        p.lr = 1e-9; // fine-tuning barely moves the weights: the mask can be checked against the
        // dense ones
        p.momentum = 0;
        Path pfDir = tmp.resolve("pf");
        new Trainer(
                        p,
                        data(p),
                        RunFolder.open(pfDir, RunFolder.Mode.NEW),
                        dev.sprig.train.Methods.hooksFor(p),
                        false)
                .run();
        float[] dense = weights(p, denseDir.resolve("checkpoints/last.ckpt"));
        float[] pruned = weights(p, pfDir.resolve("checkpoints/last.ckpt"));
        long kept = 0;
        float minKept = Float.MAX_VALUE;
        float maxDropped = 0;
        for (int i = 0; i < dense.length; i++) {
            if (pruned[i] != 0) {
                kept++;
                minKept = Math.min(minKept, Math.abs(dense[i]));
            } else {
                maxDropped = Math.max(maxDropped, Math.abs(dense[i]));
            }
        }
        assertThat(kept).isEqualTo(Math.round(0.1 * dense.length));
        assertThat(minKept).isGreaterThanOrEqualTo(maxDropped);
        TrainConfig bad = small("pf");
        assertThatThrownBy(() -> dev.sprig.train.Methods.hooksFor(bad))
                .hasMessageContaining("prune_from");
    }

    private static float[] weights(TrainConfig c, Path ckpt) {
        try (SprigModel model = Trainer.buildModel(c, data(c).train(), ai.djl.Device.cpu())) {
            Checkpoint.load(ckpt, model, new SgdOptimizer(0, false, 0), List.of());
            List<float[]> parts = new ArrayList<>();
            int n = 0;
            for (NamedParameter w : model.prunableWeights()) {
                float[] v = w.array().toFloatArray();
                parts.add(v);
                n += v.length;
            }
            float[] all = new float[n];
            int at = 0;
            for (float[] v : parts) {
                System.arraycopy(v, 0, all, at, v.length);
                at += v.length;
            }
            return all;
        }
    }

    @Test
    void anEnsembleOnEmbeddedSparkMatchesTheSameEnsembleInProcess() throws Exception {
        TrainConfig c = small("pf-ensemble");
        c.epochs = 2;
        c.exec = "dense";
        c.threads = 1;
        RunSummary inProcess =
                FreeTickets.run(
                        c, data(c), tmp.resolve("here"), RunFolder.Mode.NEW, Progress.silent());
        TrainConfig s = c.copy();
        s.master = "local[2]";
        RunSummary spark =
                FreeTickets.run(
                        s, data(s), tmp.resolve("spark"), RunFolder.Mode.NEW, Progress.silent());
        assertThat(spark.testAccuracy()).isEqualTo(inProcess.testAccuracy());
        assertThat(spark.testLoss()).isEqualTo(inProcess.testLoss());
        assertThat(spark.trainFlops()).isEqualTo(inProcess.trainFlops());
        // Each job (a dense run, then its pruned fine-tuning) ran in its own child JVM.
        assertThat(Files.readString(tmp.resolve("spark/dense-2/log.txt")))
                .contains("dense-2: test accuracy")
                .contains("member-2: test accuracy");
        TrainConfig cluster = c.copy();
        cluster.master = "spark://nowhere:7077";
        assertThatThrownBy(
                        () ->
                                FreeTickets.run(
                                        cluster,
                                        data(cluster),
                                        tmp.resolve("cluster"),
                                        RunFolder.Mode.NEW,
                                        Progress.silent()))
                .hasMessageContaining("local[N]");
    }

    @Test
    void dstEnsembleInWorkerProcessesMatchesTheSameEnsembleInProcess() throws Exception {
        TrainConfig c = small("dst-ensemble");
        c.sparsity = 0.8;
        c.epochs = 2;
        c.exec = "dense";
        RunSummary inProcess =
                FreeTickets.run(
                        c, data(c), tmp.resolve("a"), RunFolder.Mode.NEW, Progress.silent());
        TrainConfig w = c.copy();
        w.workers = 2;
        w.threads = 1;
        RunSummary workers =
                FreeTickets.run(
                        w, data(w), tmp.resolve("b"), RunFolder.Mode.NEW, Progress.silent());
        assertThat(workers.testAccuracy()).isEqualTo(inProcess.testAccuracy());
        assertThat(workers.testLoss()).isCloseTo(inProcess.testLoss(), within(1e-6));
        assertThat(workers.trainFlops()).isEqualTo(inProcess.trainFlops());
        assertThat(Files.readString(tmp.resolve("b/member-2/log.txt"))).contains("test accuracy");
        // Members differ by seed, so they disagree somewhere or at least differ in loss.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows =
                (List<Map<String, Object>>) inProcess.extra().get("members");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("test_nll")).isNotEqualTo(rows.get(1).get("test_nll"));
        assertThat(Arrays.asList(inProcess.trainFlops() / inProcess.denseTrainFlops()))
                .allSatisfy(r -> assertThat(r).isLessThan(2.0));
    }

    @Test
    void anEnsembleKilledBetweenMembersResumesToTheSameResult() throws Exception {
        TrainConfig c = small("dst-ensemble");
        c.sparsity = 0.8;
        c.epochs = 2;
        RunSummary whole =
                FreeTickets.run(
                        c, data(c), tmp.resolve("whole"), RunFolder.Mode.NEW, Progress.silent());
        Path dir = tmp.resolve("killed");
        FreeTickets.run(c, data(c), dir, RunFolder.Mode.NEW, Progress.silent());
        // As if killed while the second member trained: its folder holds only the config, no
        // ensemble summary yet.
        try (var walk = Files.walk(dir.resolve("member-2"))) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir.resolve("member-2"))
                        && !p.equals(dir.resolve("member-2/config.yaml"))) {
                    Files.delete(p);
                }
            }
        }
        Files.delete(dir.resolve("summary.json"));
        RunSummary resumed =
                FreeTickets.run(c, data(c), dir, RunFolder.Mode.RESUME, Progress.silent());
        assertThat(resumed.testAccuracy()).isEqualTo(whole.testAccuracy());
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
    }
}
