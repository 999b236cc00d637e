package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir Path tmp;

    static TrainConfig quick() {
        TrainConfig c = new TrainConfig();
        c.dataset = "synthetic";
        c.epochs = 3;
        c.batchSize = 64;
        c.maxStepsPerEpoch = 12;
        c.lr = 0.05;
        c.seed = 11;
        return c;
    }

    private static DataSplits data(TrainConfig c) {
        return DataSplits.load(c.dataset, tmp(), c.validationFraction, c.seed);
    }

    private static Path tmp() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Stands in for a kill: stops the run after a given number of steps. */
    static final class Kill extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void writesTheRunFolderAndLearns() throws Exception {
        TrainConfig c = quick();
        RunFolder f = RunFolder.open(tmp.resolve("run"), RunFolder.Mode.NEW);
        RunSummary s = new Trainer(c, data(c), f, List.of(), false).run();
        assertThat(s.testAccuracy()).isGreaterThan(0.9);
        assertThat(s.trainFlops()).isEqualTo(s.denseTrainFlops()).isPositive();
        JsonNode summary = Json.JSON.readTree(f.summary().toFile());
        for (String key :
                List.of(
                        "method",
                        "model",
                        "dataset",
                        "test_accuracy",
                        "test_loss",
                        "sparsity",
                        "params",
                        "nonzero_params",
                        "train_flops",
                        "dense_train_flops",
                        "inference_flops",
                        "wall_seconds",
                        "epochs",
                        "seed")) {
            assertThat(summary.has(key)).as(key).isTrue();
        }
        assertThat(summary.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(summary.get("sparsity").asDouble()).isZero();
        assertThat(Files.readAllLines(f.metrics())).hasSize(3);
        assertThat(Json.readConfig(f.config()).seed).isEqualTo(11);
        JsonNode prov = Json.JSON.readTree(f.dir().resolve("provenance.json").toFile());
        assertThat(prov.get("djl_version").asText()).isNotBlank();
        assertThat(prov.get("engine").asText()).startsWith("PyTorch");
        assertThat(prov.get("config_sha256").asText()).hasSize(64);
        assertThat(prov.get("seed").asLong()).isEqualTo(11);
        assertThat(f.lastCheckpoint()).exists();
        assertThat(f.bestCheckpoint()).exists();
        // 12 steps of 64 examples, three epochs, 3 × 532,400 FLOPs per example.
        assertThat(s.trainFlops()).isEqualTo(3.0 * 12 * 64 * 3 * 532_400);
    }

    @Test
    void sameSeedGivesIdenticalFigures() {
        TrainConfig c = quick();
        c.epochs = 2;
        RunSummary a = new Trainer(c, data(c), null, List.of(), false).run();
        RunSummary b = new Trainer(c, data(c), null, List.of(), false).run();
        assertThat(b.testLoss()).isEqualTo(a.testLoss());
        assertThat(b.testAccuracy()).isEqualTo(a.testAccuracy());
        c.seed = 12;
        RunSummary other = new Trainer(c, data(c), null, List.of(), false).run();
        assertThat(other.testLoss()).isNotEqualTo(a.testLoss());
    }

    @Test
    void resumeAfterKillMidEpochEndsWithIdenticalFigures() throws Exception {
        TrainConfig c = quick();
        c.checkpointEvery = 5;
        RunFolder whole = RunFolder.open(tmp.resolve("whole"), RunFolder.Mode.NEW);
        RunSummary expected = new Trainer(c, data(c), whole, List.of(), false).run();

        RunFolder killed = RunFolder.open(tmp.resolve("killed"), RunFolder.Mode.NEW);
        TrainingHook killer =
                new TrainingHook() {
                    @Override
                    public void afterOptimizerStep(StepContext step) {
                        if (step.step() == 18) { // mid-epoch 2; last checkpoint at step 15
                            throw new Kill();
                        }
                    }
                };
        assertThatThrownBy(() -> new Trainer(c, data(c), killed, List.of(killer), false).run())
                .isInstanceOf(Kill.class);
        assertThat(Files.readAllLines(killed.metrics())).hasSize(1);

        RunFolder again = RunFolder.open(tmp.resolve("killed"), RunFolder.Mode.RESUME);
        RunSummary resumed = new Trainer(c, data(c), again, List.of(), true).run();
        assertThat(resumed.testLoss()).isEqualTo(expected.testLoss());
        assertThat(resumed.testAccuracy()).isEqualTo(expected.testAccuracy());
        assertThat(resumed.trainFlops()).isEqualTo(expected.trainFlops());
        List<String> a = Files.readAllLines(whole.metrics());
        List<String> b = Files.readAllLines(again.metrics());
        assertThat(b).hasSize(a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = Json.JSON.readTree(a.get(i));
            JsonNode y = Json.JSON.readTree(b.get(i));
            for (String k :
                    List.of(
                            "train_loss",
                            "train_accuracy",
                            "val_loss",
                            "test_loss",
                            "test_accuracy",
                            "train_flops")) {
                assertThat(y.get(k).asDouble())
                        .as("epoch %d %s", i + 1, k)
                        .isEqualTo(x.get(k).asDouble());
            }
        }
    }

    @Test
    void divergenceStopsWithClearMessageAndKeepsLastGoodCheckpoint() {
        TrainConfig c = quick();
        c.lr = 1e12;
        c.lrSchedule = "constant";
        c.momentum = 0;
        c.checkpointEvery = 1;
        RunFolder f = RunFolder.open(tmp.resolve("div"), RunFolder.Mode.NEW);
        assertThatThrownBy(() -> new Trainer(c, data(c), f, List.of(), false).run())
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("training diverged")
                .hasMessageContaining("last.ckpt");
        assertThat(f.lastCheckpoint()).exists();
    }

    @Test
    void runFolderRefusesAnExistingRunUnlessAsked() throws Exception {
        TrainConfig c = quick();
        c.epochs = 1;
        Path dir = tmp.resolve("r");
        new Trainer(c, data(c), RunFolder.open(dir, RunFolder.Mode.NEW), List.of(), false).run();
        String before = Files.readString(dir.resolve("summary.json"));
        assertThatThrownBy(() -> RunFolder.open(dir, RunFolder.Mode.NEW))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("already holds a run");
        assertThat(Files.readString(dir.resolve("summary.json"))).isEqualTo(before);
        RunFolder.open(dir, RunFolder.Mode.OVERWRITE);
        assertThat(dir.resolve("summary.json")).doesNotExist();
        assertThatThrownBy(() -> RunFolder.open(tmp.resolve("empty"), RunFolder.Mode.RESUME))
                .hasMessageContaining("nothing to resume");
    }

    @Test
    void corruptCheckpointIsAUserError() throws Exception {
        TrainConfig c = quick();
        c.epochs = 1;
        RunFolder f = RunFolder.open(tmp.resolve("c"), RunFolder.Mode.NEW);
        new Trainer(c, data(c), f, List.of(), false).run();
        byte[] bytes = Files.readAllBytes(f.lastCheckpoint());
        Files.write(f.lastCheckpoint(), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(
                        () ->
                                new Trainer(
                                                c,
                                                data(c),
                                                RunFolder.open(f.dir(), RunFolder.Mode.RESUME),
                                                List.of(),
                                                true)
                                        .run())
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("checkpoint");
        Files.writeString(f.lastCheckpoint(), "hello");
        assertThatThrownBy(
                        () ->
                                new Trainer(
                                                c,
                                                data(c),
                                                RunFolder.open(f.dir(), RunFolder.Mode.RESUME),
                                                List.of(),
                                                true)
                                        .run())
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("not a Sprig checkpoint");
    }
}
