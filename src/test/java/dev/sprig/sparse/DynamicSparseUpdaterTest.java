package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Json;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an update step does in the engine path, against the RigL schedule worked out by hand: 20
 * steps, ΔT = 3, T_end = 0.75 × 20 = 15, so updates at steps 0, 3, 6, 9 and 12.
 */
class DynamicSparseUpdaterTest {
    @TempDir Path tmp;

    /** Per step: whether the optimiser step was skipped and the dense gradient charged. */
    record Seen(long step, boolean skipped, boolean charged) {}

    private static TrainConfig config(String method) {
        TrainConfig c = SparseUpdaterContractTest.config(method, 0.9, 4, "erk");
        c.maskHistoryEvery = 1;
        return c;
    }

    private List<Seen> run(TrainConfig c, Path dir) {
        List<Seen> seen = new ArrayList<>();
        List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(c));
        hooks.add(
                new TrainingHook() {
                    @Override
                    public void afterOptimizerStep(StepContext step) {
                        seen.add(
                                new Seen(
                                        step.step(),
                                        step.optimizerStepSkipped(),
                                        step.denseWeightGradientCharged()));
                    }
                });
        new Trainer(
                        c,
                        DataSplits.load("synthetic", Path.of("."), 0, c.seed),
                        RunFolder.open(dir, RunFolder.Mode.NEW),
                        hooks,
                        false)
                .run();
        return seen;
    }

    private static final List<Long> UPDATES = List.of(0L, 3L, 6L, 9L, 12L);

    @Test
    void riglSkipsTheOptimiserStepAndPaysForTheDenseGradientOnlyAtUpdates() throws Exception {
        TrainConfig c = config("rigl");
        assertThat(Methods.hooksFor(c).get(0))
                .isInstanceOfSatisfying(
                        DynamicSparseUpdater.class, u -> assertThat(u.name()).isEqualTo("rigl"));
        List<Seen> seen = run(c, tmp.resolve("rigl"));
        assertThat(seen).hasSize(20);
        for (Seen s : seen) {
            boolean update = UPDATES.contains(s.step());
            assertThat(s.skipped()).as("skipped at %d", s.step()).isEqualTo(update);
            assertThat(s.charged()).as("charged at %d", s.step()).isEqualTo(update);
        }
        c.skipUpdateStep = false;
        for (Seen s : run(c, tmp.resolve("rigl-noskip"))) {
            assertThat(s.skipped()).isFalse();
            assertThat(s.charged()).isEqualTo(UPDATES.contains(s.step()));
        }
    }

    @Test
    void snfsChargesTheDenseGradientEveryStepAndSetNever() {
        for (Seen s : run(config("snfs"), tmp.resolve("snfs"))) {
            assertThat(s.charged()).isTrue();
            assertThat(s.skipped()).isFalse();
        }
        for (Seen s : run(config("set"), tmp.resolve("set"))) {
            assertThat(s.charged()).isFalse();
        }
    }

    @Test
    void theMaskHistoryRecordsEachUpdatesFractionAndItsSwapsByHand() throws Exception {
        TrainConfig c = config("rigl");
        c.reinitWhenSame = true; // every grown connection is new: swaps = floor(active * alpha_t)
        run(c, tmp.resolve("history"));
        List<String> lines = Files.readAllLines(tmp.resolve("history/metrics.jsonl"));
        List<JsonNode> history = new ArrayList<>();
        List<JsonNode> moved = new ArrayList<>();
        for (String l : lines) {
            Json.JSON.readTree(l).path("mask_history").forEach(history::add);
            Json.JSON.readTree(l).path(MaskChangeLog.KEY).forEach(moved::add);
        }
        assertThat(Json.JSON.readTree(lines.get(1)).get("mask_updates").asInt()).isEqualTo(5);
        assertThat(history).hasSize(5);
        assertThat(moved).hasSize(5);
        // Exact counts: each layer holds its ERK allocation at every step.
        java.util.Map<String, Long> keep =
                SparsityDistribution.erk()
                        .allocate(
                                dev.sprig.models.ModelZoo.specs("lenet-300-100", 1, 28, 10, 0.1)
                                        .stream()
                                        .filter(l -> l.kind().isPrunable())
                                        .toList(),
                                0.9)
                        .keep();
        for (int i = 0; i < 5; i++) {
            JsonNode h = history.get(i);
            long step = UPDATES.get(i);
            assertThat(h.get("step").asLong()).isEqualTo(step);
            // alpha_t = 0.3 / 2 * (1 + cos(pi * step / 15))
            double alpha = 0.15 * (1 + Math.cos(Math.PI * step / 15));
            assertThat(h.get("drop_fraction").asDouble()).isCloseTo(alpha, within(1e-12));
            assertThat(h.get("changed").size()).isPositive();
            // Connections moved: at most the swaps (a regrown-in-place one restarts but does not
            // move), over all active connections; the report draws these.
            long swaps = 0;
            for (JsonNode v : h.get("changed")) {
                swaps += v.asLong();
            }
            long active = keep.values().stream().mapToLong(Long::longValue).sum();
            assertThat(moved.get(i).get(0).asLong()).isEqualTo(step);
            assertThat(moved.get(i).get(1).asDouble())
                    .isPositive()
                    .isLessThanOrEqualTo((double) swaps / active + 1e-12);
            h.get("changed")
                    .fields()
                    .forEachRemaining(
                            e ->
                                    assertThat(e.getValue().asLong())
                                            .as("%s at step %d", e.getKey(), step)
                                            .isEqualTo(
                                                    (long)
                                                            Math.floor(
                                                                    keep.get(e.getKey()) * alpha)));
        }
    }

    @Test
    void newConnectionsStartAtZeroOrFromTheLayersSpreadAndDroppedOnesAreZero() {
        for (String init : new String[] {"zero", "random_normal"}) {
            TrainConfig c = config("rigl");
            c.growInit = init;
            List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(c));
            DynamicSparseUpdater u = (DynamicSparseUpdater) hooks.get(0);
            int[] grownNonZero = {0};
            int[] grown = {0};
            hooks.add(
                    new TrainingHook() {
                        java.util.Map<String, boolean[]> before = new java.util.HashMap<>();

                        @Override
                        public void beforeForward(StepContext step) {
                            // The masks before this step's update (RigL updates after backward).
                            for (String l : u.masks().layers()) {
                                before.put(l, u.masks().get(l).clone());
                            }
                        }

                        @Override
                        public void afterOptimizerStep(StepContext step) {
                            for (String l : u.masks().layers()) {
                                boolean[] now = u.masks().get(l);
                                float[] w = u.masks().weight(l).array().toFloatArray();
                                for (int i = 0; i < now.length; i++) {
                                    if (!now[i]) {
                                        assertThat(w[i]).as("%s[%d] is dropped", l, i).isZero();
                                    } else if (!before.get(l)[i]) {
                                        grown[0]++;
                                        grownNonZero[0] += w[i] != 0 ? 1 : 0;
                                    }
                                }
                            }
                        }
                    });
            new Trainer(c, DataSplits.load("synthetic", Path.of("."), 0, 4), null, hooks, false)
                    .run();
            assertThat(grown[0]).as(init).isPositive();
            // The update step skips the optimiser: a zero-initialised connection is still zero.
            if (init.equals("zero")) {
                assertThat(grownNonZero[0]).isZero();
            } else {
                assertThat(grownNonZero[0]).isEqualTo(grown[0]);
            }
        }
    }
}
