package dev.sprig.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.SprigException;
import dev.sprig.data.DataRoot;
import dev.sprig.data.DataSplits;
import dev.sprig.train.InProcessExecutor;
import dev.sprig.train.Json;
import dev.sprig.train.Methods;
import dev.sprig.train.RunExecutor;
import dev.sprig.train.RunExecutors;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepTest {
    /**
     * A 2 x 2 grid of small runs on synthetic data, one engine thread each: dense on the engine,
     * RigL on the sparse path.
     */
    private static final String GRID =
            String.join(
                    "\n",
                    "config:",
                    "  model: mlp-64-32",
                    "  dataset: synthetic",
                    "  epochs: 2",
                    "  max_steps_per_epoch: 12",
                    "  batch_size: 32",
                    "  sparsity: 0.8",
                    "  update_interval: 5",
                    "  checkpoint_every: 5",
                    "  threads: 1",
                    "grid:",
                    "  method: [dense, rigl]",
                    "  seed: [0, 1]",
                    "name: '{method}-seed{seed}'",
                    "");

    private static SweepGrid grid(String text, Path dir) {
        return SweepGrid.parse(text, "grid test", dir);
    }

    private static void assertSameFigures(Path a, Path b) {
        RunSummary x = RunSummary.read(a);
        RunSummary y = RunSummary.read(b);
        assertThat(y.testAccuracy()).as(b.toString()).isEqualTo(x.testAccuracy());
        assertThat(y.testLoss()).as(b.toString()).isEqualTo(x.testLoss());
        assertThat(y.trainFlops()).as(b.toString()).isEqualTo(x.trainFlops());
        assertThat(y.nonzeroParams()).as(b.toString()).isEqualTo(x.nonzeroParams());
    }

    @Test
    void aGridCrossesItsAxesIntoResolvedCells(@TempDir Path tmp) {
        List<SweepCell> cells = grid(GRID, tmp).cells();
        assertThat(cells)
                .extracting(SweepCell::name)
                .containsExactly("dense-seed0", "dense-seed1", "rigl-seed0", "rigl-seed1");
        TrainConfig c = Json.readConfig(cells.get(3).configYaml(), "cell");
        assertThat(c.method).isEqualTo("rigl");
        assertThat(c.seed).isEqualTo(1);
        assertThat(c.model).isEqualTo("mlp-64-32");
        assertThat(cells.get(3).group()).isEqualTo("method=rigl");
    }

    @Test
    void badGridsGetOneClearError(@TempDir Path tmp) {
        assertThatThrownBy(() -> grid("grid: {seed: [0]}\nseeds: 3\n", tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("unknown key 'seeds'");
        assertThatThrownBy(() -> grid("grid: {seed: []}\n", tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("empty axis 'seed'");
        assertThatThrownBy(() -> grid("grid: {sparsty: [0.9]}\n", tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("unknown setting 'sparsty'");
        assertThatThrownBy(
                        () ->
                                grid(
                                        "grid: {seed: [0, 1], method: [set, rigl]}\n"
                                                + "name: 's{seed}'\n",
                                        tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("two cells are both named 's0'");
        assertThatThrownBy(() -> grid("grid: {seed: [0, 0]}\n", tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("two cells are both named 'seed=0'");
        assertThatThrownBy(() -> grid("grid: {sparsity: [1.5]}\n", tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("sparsity");
        assertThatThrownBy(() -> grid("grid: {method: [rigl]}\nname: '{seed}'\n", tmp))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("not an axis");
        assertThatThrownBy(() -> SweepGrid.read(tmp.resolve("missing.yaml")))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("grid file not found");
    }

    @Test
    void sparkLocalGivesTheFiguresOfInProcessRunsAndRetriesAFailedAttempt(@TempDir Path tmp)
            throws Exception {
        SweepGrid g = grid(GRID, tmp);
        Sweep.Result here = Sweep.run(g, tmp.resolve("here"), new InProcessExecutor());
        assertThat(here.failed()).isZero();
        System.setProperty("sprig.sweep.failFirstAttempt", "rigl-seed1,dense-seed0");
        Sweep.Result spark;
        try {
            spark = Sweep.run(g, tmp.resolve("spark"), RunExecutors.forMaster("local[2]"));
        } finally {
            System.clearProperty("sprig.sweep.failFirstAttempt");
        }
        assertThat(spark.failed()).isZero();
        assertThat(spark.trained()).isEqualTo(4);
        for (SweepCell c : g.cells()) {
            assertSameFigures(
                    tmp.resolve("here").resolve(c.name()), tmp.resolve("spark").resolve(c.name()));
        }
        JsonNode table = Json.JSON.readTree(tmp.resolve("spark/sweep.json").toFile());
        assertThat(table.get("runs")).hasSize(4);
        JsonNode rigl = table.get("groups").get(1);
        assertThat(rigl.get("group").asText()).isEqualTo("method=rigl");
        assertThat(rigl.get("count").asInt()).isEqualTo(2);
        double a0 = RunSummary.read(tmp.resolve("spark/rigl-seed0")).testAccuracy();
        double a1 = RunSummary.read(tmp.resolve("spark/rigl-seed1")).testAccuracy();
        assertThat(rigl.get("test_accuracy_mean").asDouble())
                .isCloseTo((a0 + a1) / 2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(rigl.get("test_accuracy_std").asDouble())
                .isCloseTo(
                        Math.abs(a0 - a1) / Math.sqrt(2),
                        org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Files.readAllLines(tmp.resolve("spark/sweep.csv"))).hasSize(1 + 4 + 2);
    }

    @Test
    void aRestartedSweepSkipsFinishedCellsAndResumesTheKilledOne(@TempDir Path tmp)
            throws Exception {
        SweepGrid g = grid(GRID, tmp);
        Path reference = tmp.resolve("reference");
        Sweep.run(g, reference, new InProcessExecutor());
        Path out = tmp.resolve("restarted");
        List<SweepCell> cells = g.cells();
        Path first = out.resolve(cells.get(0).name());
        new InProcessExecutor()
                .run(List.of(RunExecutor.Job.of(first, CellRun.prepare(cells.get(0), first))));
        Path finishedSummary = out.resolve(cells.get(0).name()).resolve("summary.json");
        Files.setLastModifiedTime(finishedSummary, FileTime.fromMillis(1_000_000));
        // The driver died while cell 2 trained: its folder holds a checkpoint, no summary.
        SweepCell killed = cells.get(2);
        TrainConfig c = Json.readConfig(killed.configYaml(), "cell");
        DataSplits data =
                DataSplits.load(
                        c.dataset, DataRoot.resolve(c.dataDir), c.validationFraction, c.seed);
        Trainer t =
                new Trainer(
                                c,
                                data,
                                RunFolder.open(out.resolve(killed.name()), RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .chooseBackend()
                        .onStep(
                                step -> {
                                    if (step == 17) {
                                        throw new IllegalStateException("killed");
                                    }
                                });
        assertThatThrownBy(t::run).hasMessage("killed");
        assertThat(out.resolve(killed.name()).resolve("checkpoints/last.ckpt")).exists();

        Sweep.Result r = Sweep.run(g, out, new InProcessExecutor());
        assertThat(r.trained()).isEqualTo(3);
        assertThat(r.skipped()).isEqualTo(1);
        assertThat(Files.getLastModifiedTime(finishedSummary).toMillis()).isEqualTo(1_000_000);
        for (SweepCell cell : cells) {
            assertSameFigures(reference.resolve(cell.name()), out.resolve(cell.name()));
        }
    }

    @Test
    void aCellThatFailsIsReportedWhileTheOthersComplete(@TempDir Path tmp) throws Exception {
        String text =
                GRID.replace("  method: [dense, rigl]", "  dataset: [synthetic, mnist]")
                        .replace(
                                "  dataset: synthetic\n",
                                "  data_dir: " + tmp.resolve("no-data") + "\n")
                        .replace("name: '{method}-seed{seed}'", "name: '{dataset}-seed{seed}'");
        SweepGrid g = grid(text, tmp);
        Sweep.Result r = Sweep.run(g, tmp.resolve("out"), RunExecutors.forMaster("jvm[2]"));
        assertThat(r.failed()).isEqualTo(2);
        Map<String, Object> failed = r.runs().get(2);
        assertThat(failed.get("cell")).isEqualTo("mnist-seed0");
        assertThat(failed.get("status")).isEqualTo("failed");
        assertThat((String) failed.get("error")).contains("mnist");
        assertThat(tmp.resolve("out/synthetic-seed0/summary.json")).exists();
        assertThat(tmp.resolve("out/synthetic-seed1/summary.json")).exists();
    }
}
