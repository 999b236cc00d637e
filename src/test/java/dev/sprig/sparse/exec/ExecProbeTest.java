package dev.sprig.sparse.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecProbeTest {
    private static final List<LayerSpec> CNN = ModelZoo.specs("resnet-8", 3, 32, 10, 0.5);

    /** A timer that answers fixed step times and counts its calls. */
    private static final class FixedTimer implements ExecProbe.StepTimer {
        final double sparse;
        final double dense;
        final List<String> calls = new ArrayList<>();

        FixedTimer(double sparse, double dense) {
            this.sparse = sparse;
            this.dense = dense;
        }

        @Override
        public double secondsPerStep(TrainConfig config, List<LayerSpec> specs) {
            calls.add(config.exec);
            return config.exec.equals("sparse") ? sparse : dense;
        }
    }

    private static TrainConfig rigl(double sparsity) {
        TrainConfig c = SparsePathTest.config("rigl");
        c.model = "resnet-8";
        c.widthMultiplier = 0.5;
        c.sparsity = sparsity;
        return c;
    }

    @Test
    void autoTakesThePathMeasuredFasterAndRemembersItPerMachine(@TempDir Path tmp) {
        Path cache = tmp.resolve("probe.json");
        FixedTimer sparseWins = new FixedTimer(0.05, 0.08);
        ExecProbe probe = new ExecProbe(cache, sparseWins);
        TrainConfig c = rigl(0.9);
        assertThat(ExecutionPath.choose(c, CNN, Device.cpu(), probe))
                .isEqualTo(ExecutionPath.SPARSE);
        assertThat(sparseWins.calls)
                .as("rounds alternate which path goes first")
                .hasSize(2 * ExecProbe.ROUNDS)
                .startsWith("sparse", "dense", "dense", "sparse", "sparse", "dense");
        assertThat(ExecutionPath.choose(c, CNN, Device.cpu(), probe))
                .isEqualTo(ExecutionPath.SPARSE);
        assertThat(sparseWins.calls).as("measured once per process").hasSize(2 * ExecProbe.ROUNDS);
        assertThat(cache).exists();

        // Another process on this machine reads the measurement instead of timing again.
        ExecProbe later =
                new ExecProbe(
                        cache,
                        (config, specs) -> {
                            throw new AssertionError("timed again");
                        });
        ExecProbe.Measurement m = later.measure(c, CNN);
        assertThat(m.cached()).isTrue();
        assertThat(m.sparseSeconds()).isEqualTo(0.05);
        assertThat(m.speedup()).isCloseTo(1.6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(later.describe(c, m))
                .contains("resnet-8 at sparsity 0.90")
                .contains("the sparse path trains it")
                .contains(cache.toString());

        // A different sparsity is a different case: measured, and here the engine wins.
        FixedTimer denseWins = new FixedTimer(0.09, 0.08);
        TrainConfig c95 = rigl(0.95);
        assertThat(ExecutionPath.choose(c95, CNN, Device.cpu(), new ExecProbe(cache, denseWins)))
                .isEqualTo(ExecutionPath.DENSE);
        assertThat(denseWins.calls).hasSize(2 * ExecProbe.ROUNDS);
        assertThat(new ExecProbe(cache, denseWins).measure(c, CNN).sparseSeconds())
                .as("the first case is still kept")
                .isEqualTo(0.05);
    }

    @Test
    void warmUpRoundsDoNotCountAndTheMedianRoundDecides(@TempDir Path tmp) {
        // The sparse kernels run slowly until the JIT has compiled them (first rounds), and one
        // engine round is slowed by something else on the machine: neither may decide.
        int[] sparseRuns = {0};
        int[] denseRuns = {0};
        ExecProbe probe =
                new ExecProbe(
                        tmp.resolve("probe.json"),
                        (config, specs) -> {
                            if (config.exec.equals("sparse")) {
                                return sparseRuns[0]++ < ExecProbe.WARM_ROUNDS ? 0.5 : 0.07;
                            }
                            return denseRuns[0]++ == ExecProbe.WARM_ROUNDS ? 0.01 : 0.08;
                        });
        ExecProbe.Measurement m = probe.measure(rigl(0.9), CNN);
        assertThat(m.sparseSeconds()).isEqualTo(0.07);
        assertThat(m.denseSeconds()).isEqualTo(0.08);
        assertThat(m.sparseFaster()).isTrue();
    }

    @Test
    void lowSparsityGpusAndDenseMethodsAreNotProbed(@TempDir Path tmp) {
        ExecProbe probe =
                new ExecProbe(
                        tmp.resolve("probe.json"),
                        (config, specs) -> {
                            throw new AssertionError("probed");
                        });
        assertThat(ExecutionPath.choose(rigl(0.5), CNN, Device.cpu(), probe))
                .isEqualTo(ExecutionPath.DENSE);
        assertThat(ExecutionPath.choose(rigl(0.95), CNN, Device.gpu(), probe))
                .isEqualTo(ExecutionPath.DENSE);
        TrainConfig dense = rigl(0.95);
        dense.method = "dense";
        assertThat(ExecutionPath.choose(dense, CNN, Device.cpu(), probe))
                .isEqualTo(ExecutionPath.DENSE);
        TrainConfig forced = rigl(0.5);
        forced.exec = "sparse";
        assertThat(ExecutionPath.choose(forced, CNN, Device.cpu(), probe))
                .isEqualTo(ExecutionPath.SPARSE);
        // MLPs keep their measured rule (sparse from 0.5), without probing.
        List<LayerSpec> mlp = ModelZoo.specs("lenet-300-100", 1, 28, 10, 1);
        assertThat(ExecutionPath.choose(rigl(0.6), mlp, Device.cpu(), probe))
                .isEqualTo(ExecutionPath.SPARSE);
    }

    @Test
    void aDamagedCacheIsMeasuredAgainAndRewritten(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("probe.json");
        Files.writeString(cache, "{ not json");
        FixedTimer timer = new FixedTimer(0.05, 0.08);
        assertThat(new ExecProbe(cache, timer).measure(rigl(0.9), CNN).sparseFaster()).isTrue();
        assertThat(timer.calls).hasSize(2 * ExecProbe.ROUNDS);
        assertThat(dev.sprig.train.Json.JSON.readTree(cache.toFile()).size()).isEqualTo(1);
    }

    @Test
    void theRealTimerTimesBothPathsOfASmallCnn() {
        TrainConfig c = rigl(0.9);
        c.batchSize = 8;
        c.exec = "sparse";
        double sparse = ExecProbe.timeSteps(c, CNN);
        c.exec = "dense";
        double dense = ExecProbe.timeSteps(c, CNN);
        assertThat(sparse).isPositive().isLessThan(60);
        assertThat(dense).isPositive().isLessThan(60);
        assertThat(ExecProbe.key(c, CNN))
                .contains("resnet-8")
                .contains("b8")
                .contains("s0.9000")
                .contains(ExecProbe.machine());
    }

    @Test
    void aResumedAutoRunStaysOnTheBackendItsCheckpointNames(@TempDir Path tmp) {
        // Sparsity 0.85 under the fixed rule (as in this suite) means the engine; the run began on
        // the sparse path (as a probe may have decided), so it must end there.
        TrainConfig c = rigl(0.85);
        c.batchSize = 16;
        c.maxStepsPerEpoch = 3;
        c.epochs = 2;
        TrainConfig sparse = c.copy();
        sparse.exec = "sparse";
        Path dir = tmp.resolve("run");
        Trainer killed =
                new Trainer(
                                sparse,
                                SparsePathTest.data(sparse),
                                RunFolder.open(dir, RunFolder.Mode.NEW),
                                Methods.hooksFor(sparse),
                                false)
                        .chooseBackend()
                        .onEpoch(
                                m -> {
                                    if (m.epoch() == 1) {
                                        throw new IllegalStateException("killed");
                                    }
                                });
        assertThatThrownBy(killed::run).hasMessage("killed");
        assertThat(ExecutionPath.choose(c, CNN, Device.cpu(), null)).isEqualTo(ExecutionPath.DENSE);
        RunSummary resumed =
                new Trainer(
                                c,
                                SparsePathTest.data(c),
                                RunFolder.open(dir, RunFolder.Mode.RESUME),
                                Methods.hooksFor(c),
                                true)
                        .chooseBackend()
                        .run();
        assertThat(resumed.extra()).containsEntry("exec", "sparse");
        assertThat(resumed.epochs()).isEqualTo(2);
    }

    @Test
    void theTimedRunsDropSettingsCountedInTheUsersEpochs() {
        // A 10-epoch run with lr drops at 5 and 7, a warm-up and EDST-style jumps: the probe's
        // 3-epoch runs must still be valid configs (a DST ensemble on VGG-16 failed here).
        dev.sprig.train.TrainConfig c = new dev.sprig.train.TrainConfig();
        c.method = "rigl";
        c.sparsity = 0.8;
        c.epochs = 10;
        c.lrSchedule = "multistep";
        c.lrMilestones = new java.util.ArrayList<>(List.of(5, 7));
        c.warmupEpochs = 2;
        c.explorationEpochs = new java.util.ArrayList<>(List.of(4, 8));
        c.edstExploreEpochs = 6;
        dev.sprig.train.TrainConfig timed = ExecProbe.timedConfig(c);
        assertThat(timed.epochs).isEqualTo(3);
        assertThat(timed.validate()).isSameAs(timed);
        assertThat(timed.method).isEqualTo("rigl");
        assertThat(timed.sparsity).isEqualTo(0.8);
        assertThat(c.lrMilestones).containsExactly(5, 7);
    }
}
