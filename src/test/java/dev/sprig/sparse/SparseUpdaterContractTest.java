package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Method;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered method, over sparsities and seeds: after every step each layer holds exactly its
 * allocated count, weights and momentum outside the mask are exactly zero, each update swaps as
 * many connections in as out, and one seed gives one set of masks.
 */
class SparseUpdaterContractTest {
    @TempDir Path tmp;

    /** Every registered method that masks weights, so a newly registered one is checked too. */
    static Stream<Arguments> grid() {
        List<Arguments> a = new ArrayList<>();
        for (Method m : Methods.all()) {
            if (!(m instanceof UpdaterMethod u) || !u.sparse()) {
                continue;
            }
            for (double s : new double[] {0.5, 0.95, 0.99}) {
                for (long seed : new long[] {1, 2}) {
                    a.add(Arguments.of(m.name(), s, seed, "erk"));
                }
            }
        }
        a.add(Arguments.of("rigl", 0.0, 3L, "uniform"));
        a.add(Arguments.of("set", 0.9, 3L, "uniform"));
        a.add(Arguments.of("rigl", 0.9, 3L, "er"));
        return a.stream();
    }

    @TempDir static Path denseRuns;

    /** A trained dense run of the grid's network, for pf to prune (one per seed). */
    static synchronized Path denseRun(long seed) {
        Path dir = denseRuns.resolve("dense-" + seed);
        if (!java.nio.file.Files.isDirectory(dir)) {
            TrainConfig d = config("dense", 0, seed, "erk");
            new Trainer(
                            d,
                            DataSplits.load("synthetic", Path.of("."), 0, seed),
                            RunFolder.open(dir, RunFolder.Mode.NEW),
                            List.of(),
                            false)
                    .run();
        }
        return dir;
    }

    static TrainConfig config(String method, double sparsity, long seed, String distribution) {
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.sparsity = sparsity;
        c.seed = seed;
        c.distribution = distribution;
        c.dataset = "synthetic";
        c.model = "lenet-300-100";
        c.widthMultiplier = 0.1;
        c.epochs = 2;
        c.batchSize = 32;
        c.maxStepsPerEpoch = 10;
        c.updateInterval = 3;
        c.validationFraction = 0;
        c.lr = 0.05;
        return c;
    }

    /** Checks the invariants after the updater's own hook. */
    static final class InvariantCheck implements TrainingHook {
        final SparseUpdater updater;
        final boolean masksMomentum;
        Map<String, boolean[]> last = new LinkedHashMap<>();
        int changes;

        InvariantCheck(SparseUpdater updater, boolean masksMomentum) {
            this.updater = updater;
            this.masksMomentum = masksMomentum;
        }

        @Override
        public void afterOptimizerStep(StepContext step) {
            MaskSet masks = updater.masks();
            boolean settled = !(updater instanceof SnipUpdater) || step.step() >= 0;
            LayerAllocation required = updater.requiredAllocation(step.step());
            for (String layer : masks.layers()) {
                boolean[] m = masks.get(layer);
                if (settled) {
                    assertThat(masks.count(layer))
                            .as("%s at step %d", layer, step.step())
                            .isEqualTo(required.keep().get(layer));
                }
                float[] w = masks.weight(layer).array().toFloatArray();
                NDArray v = step.run().optimizer().momentum().get(masks.weight(layer).name());
                float[] mv = v == null ? null : v.toFloatArray();
                for (int i = 0; i < m.length; i++) {
                    if (!m[i]) {
                        assertThat(w[i]).as("weight %s[%d] outside the mask", layer, i).isZero();
                        if (masksMomentum && mv != null) {
                            assertThat(mv[i])
                                    .as("momentum %s[%d] outside the mask", layer, i)
                                    .isZero();
                        }
                    }
                }
                boolean[] prev = last.get(layer);
                if (prev != null) {
                    int in = 0;
                    int out = 0;
                    for (int i = 0; i < m.length; i++) {
                        in += (m[i] && !prev[i]) ? 1 : 0;
                        out += (!m[i] && prev[i]) ? 1 : 0;
                    }
                    if (updater instanceof GmpUpdater) {
                        assertThat(in)
                                .as("GMP never regrows")
                                .isZero(); // it only prunes, down its schedule
                    } else {
                        assertThat(in).isEqualTo(out);
                    }
                    changes += out;
                }
                last.put(layer, m);
            }
        }
    }

    private static Map<String, boolean[]> train(TrainConfig c, boolean check) {
        if (c.method.equals("pf")) {
            c.pruneFrom = denseRun(c.seed).toString();
        }
        SparseUpdater u = (SparseUpdater) Methods.hooksFor(c).get(0);
        InvariantCheck inv = new InvariantCheck(u, !c.momentumPolicy.equals("keep"));
        new Trainer(
                        c,
                        DataSplits.load("synthetic", Path.of("."), 0, c.seed),
                        null,
                        check ? List.of(u, inv) : List.of(u),
                        false)
                .run();
        boolean rewires = u instanceof DynamicSparseUpdater || u instanceof GmpUpdater;
        if (check && rewires && c.sparsity > 0) {
            assertThat(inv.changes).as("topology changes of " + u.name()).isPositive();
        }
        Map<String, boolean[]> out = new LinkedHashMap<>();
        for (String l : u.masks().layers()) {
            out.put(l, u.masks().get(l));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} s={1} seed={2} {3}")
    @MethodSource("grid")
    void countsAreExactAndMasksReproducible(
            String method, double sparsity, long seed, String distribution) {
        TrainConfig c = config(method, sparsity, seed, distribution);
        Map<String, boolean[]> a = train(c, true);
        Map<String, boolean[]> b = train(c, false);
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String l : a.keySet()) {
            assertThat(b.get(l)).as(l).isEqualTo(a.get(l));
        }
    }

    @Test
    void keepPolicyLeavesMomentumDenseButWeightsMasked() {
        TrainConfig c = config("set", 0.9, 4, "erk");
        c.momentumPolicy = "keep";
        train(c, true);
    }

    @Test
    void randomGrowInitWithReinitKeepsInvariants() {
        TrainConfig c = config("rigl", 0.9, 8, "erk");
        c.growInit = "random_normal";
        c.reinitWhenSame = true;
        c.skipUpdateStep = false;
        train(c, true);
    }

    @Test
    void regrownConnectionsStartAtZeroByDefault() {
        TrainConfig c = config("set", 0.9, 9, "erk");
        SparseUpdater u = (SparseUpdater) Methods.hooksFor(c).get(0);
        List<Integer> checked = new ArrayList<>();
        TrainingHook watch =
                new TrainingHook() {
                    Map<String, boolean[]> before = new LinkedHashMap<>();

                    @Override
                    public void beforeForward(StepContext s) {
                        for (String l : u.masks().layers()) {
                            before.put(l, u.masks().get(l));
                        }
                    }

                    @Override
                    public void afterOptimizerStep(StepContext s) {
                        for (String l : u.masks().layers()) {
                            boolean[] now = u.masks().get(l);
                            float[] w = u.masks().weight(l).array().toFloatArray();
                            for (int i = 0; i < now.length; i++) {
                                if (now[i] && !before.get(l)[i]) {
                                    assertThat(w[i]).isZero();
                                    checked.add(i);
                                }
                            }
                        }
                    }
                };
        new Trainer(
                        c,
                        DataSplits.load("synthetic", Path.of("."), 0, 9),
                        null,
                        List.of(u, watch),
                        false)
                .run();
        assertThat(checked).isNotEmpty();
    }

    @Test
    void gmpRampsDownToTheTargetAndNeverRegrows() {
        TrainConfig c = config("gmp", 0.9, 5, "uniform");
        c.endFraction = 0.5;
        GmpUpdater g = (GmpUpdater) Methods.hooksFor(c).get(0);
        List<Long> totals = new ArrayList<>();
        TrainingHook watch =
                new TrainingHook() {
                    @Override
                    public void afterOptimizerStep(StepContext s) {
                        totals.add(
                                g.masks().counts().values().stream()
                                        .mapToLong(Long::longValue)
                                        .sum());
                    }
                };
        RunSummary r =
                new Trainer(
                                c,
                                DataSplits.load("synthetic", Path.of("."), 0, 5),
                                null,
                                List.of(g, watch),
                                false)
                        .run();
        for (int i = 1; i < totals.size(); i++) {
            assertThat(totals.get(i)).isLessThanOrEqualTo(totals.get(i - 1));
        }
        assertThat(g.masks().counts()).isEqualTo(g.allocation().keep());
        assertThat(r.sparsity()).isBetween(0.89, 0.91);
        assertThat(r.trainFlops()).isLessThan(r.denseTrainFlops());
    }

    @Test
    void riglChargesDenseGradientsOnlyOnUpdateStepsAndSummaryReportsSparsity() {
        TrainConfig c = config("rigl", 0.9, 6, "erk");
        TrainConfig st = config("static", 0.9, 6, "erk");
        RunSummary rigl =
                new Trainer(
                                c,
                                DataSplits.load("synthetic", Path.of("."), 0, 6),
                                null,
                                Methods.hooksFor(c),
                                false)
                        .run();
        RunSummary stat =
                new Trainer(
                                st,
                                DataSplits.load("synthetic", Path.of("."), 0, 6),
                                null,
                                Methods.hooksFor(st),
                                false)
                        .run();
        assertThat(rigl.sparsity()).isBetween(0.899, 0.901);
        assertThat(stat.trainFlops()).isLessThan(stat.denseTrainFlops() * 0.2);
        // RigL = static cost + a dense weight gradient on its update steps (0, 3, ... < 15 of 20
        // steps).
        assertThat(rigl.trainFlops()).isGreaterThan(stat.trainFlops());
        assertThat(rigl.extra()).containsKey("layer_densities").containsEntry("mask_updates", 5L);
    }

    /** SNFS too: its momentum of the dense gradients is part of the checkpoint. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"rigl", "snfs"})
    void resumeAfterKillKeepsMasksAndFigures(String method) {
        TrainConfig c = config(method, 0.9, 7, "erk");
        c.epochs = 3;
        c.checkpointEvery = 4;
        RunSummary whole =
                new Trainer(
                                c,
                                DataSplits.load("synthetic", Path.of("."), 0, 7),
                                RunFolder.open(tmp.resolve(method + "-a"), RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .run();
        List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(c));
        hooks.add(
                new TrainingHook() {
                    @Override
                    public void afterOptimizerStep(StepContext s) {
                        if (s.step() == 14) {
                            throw new IllegalStateException("killed");
                        }
                    }
                });
        assertThatThrownBy(
                        () ->
                                new Trainer(
                                                c,
                                                DataSplits.load("synthetic", Path.of("."), 0, 7),
                                                RunFolder.open(
                                                        tmp.resolve(method + "-b"),
                                                        RunFolder.Mode.NEW),
                                                hooks,
                                                false)
                                        .run())
                .hasMessage("killed");
        RunSummary resumed =
                new Trainer(
                                c,
                                DataSplits.load("synthetic", Path.of("."), 0, 7),
                                RunFolder.open(tmp.resolve(method + "-b"), RunFolder.Mode.RESUME),
                                Methods.hooksFor(c),
                                true)
                        .run();
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
        assertThat(resumed.extra().get("layer_densities"))
                .isEqualTo(whole.extra().get("layer_densities"));
        assertThat(maskChanges(tmp.resolve(method + "-b")))
                .isEqualTo(maskChanges(tmp.resolve(method + "-a")))
                .anyMatch(l -> !l.isEmpty());
    }

    /** Each epoch line's list of (step, fraction moved) per mask update, as text. */
    private static List<String> maskChanges(Path run) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : java.nio.file.Files.readAllLines(run.resolve("metrics.jsonl"))) {
                var e = dev.sprig.train.Json.JSON.readTree(line).path(MaskChangeLog.KEY);
                out.add(e.isMissingNode() ? "" : e.toString());
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void unknownMethodNamesTheKnownOnes() {
        TrainConfig c = config("lottery", 0.9, 1, "erk");
        assertThatThrownBy(() -> Methods.hooksFor(c))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("unknown method 'lottery'")
                .hasMessageContaining("rigl");
    }
}
