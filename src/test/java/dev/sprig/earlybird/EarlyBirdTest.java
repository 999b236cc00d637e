package dev.sprig.earlybird;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.DataSplits;
import dev.sprig.train.Json;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyBirdTest {
    @TempDir Path tmp;

    static TrainConfig config(String method) {
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.model = "vgg-11";
        c.widthMultiplier = 0.125;
        c.dataset = "synthetic";
        c.epochs = 6;
        c.batchSize = 64;
        c.maxStepsPerEpoch = 8;
        c.lr = 0.05;
        c.bnGammaInit = 0.5;
        c.ebQueue = 2;
        c.ebEpsilon = 0.2;
        c.ebRatios = List.of(0.3, 0.5);
        c.pruneRatio = 0.5;
        c.validationFraction = 0;
        c.threads = 2;
        c.ebDistanceMatrix = true;
        return c;
    }

    static DataSplits data(TrainConfig c) {
        return DataSplits.load(c.dataset, Path.of("."), c.validationFraction, c.seed);
    }

    @Test
    @Tag("pipeline")
    void searchThenSurgeryThenRetrainEndToEnd() throws Exception {
        TrainConfig c = config("earlybird");
        RunSummary s =
                EarlyBird.run(c, data(c), tmp.resolve("eb"), RunFolder.Mode.NEW, Progress.silent());
        int ebEpoch = ((Number) s.extra().get("eb_epoch")).intValue();
        assertThat(ebEpoch).isBetween(1, c.epochs - 1);
        assertThat(s.epochs()).isEqualTo(c.epochs);
        assertThat(s.nonzeroParams()).isLessThan(s.params());
        assertThat(s.trainFlops()).isLessThan(s.denseTrainFlops());
        assertThat(s.testAccuracy()).isGreaterThan(0.3);
        // The search stopped at the ticket; the retrain continued from there to the end of the
        // schedule.
        var search = Json.JSON.readTree(tmp.resolve("eb/search/summary.json").toFile());
        assertThat(search.get("epochs").asInt()).isEqualTo(ebEpoch);
        // Per epoch (the paper's setting, the default): one mask at the start and one per epoch
        // end, the ticket at an epoch boundary.
        assertThat(s.extra().get("eb_step")).isEqualTo((long) ebEpoch * c.maxStepsPerEpoch);
        assertThat(s.extra().get("eb_interval")).isEqualTo("epoch");
        var retrain = Json.JSON.readTree(tmp.resolve("eb/retrain/summary.json").toFile());
        assertThat(retrain.get("epochs").asInt()).isEqualTo(c.epochs);
        assertThat(Files.readAllLines(tmp.resolve("eb/retrain/metrics.jsonl")))
                .hasSize(c.epochs - ebEpoch);
        @SuppressWarnings("unchecked")
        Map<String, Integer> counts = (Map<String, Integer>) s.extra().get("channel_counts");
        assertThat(counts)
                .containsKey("features.0.conv")
                .allSatisfy((k, v) -> assertThat(v).isPositive());
        var top = Json.JSON.readTree(tmp.resolve("eb/summary.json").toFile());
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
            assertThat(top.has(key)).as(key).isTrue();
        }
        assertThat(
                        Json.JSON
                                .readTree(tmp.resolve("eb/eb_distances.json").toFile())
                                .get("0.5")
                                .size())
                .isEqualTo(ebEpoch + 1);
    }

    @Test
    @Tag("pipeline")
    void aStepIntervalDrawsTheTicketMidEpochAndTheTicketTrainsOnFromThatStep() throws Exception {
        TrainConfig c = config("earlybird");
        c.ebInterval = "3"; // 8 steps an epoch: masks at steps 0, 3, 6, 9, ...
        RunSummary s =
                EarlyBird.run(c, data(c), tmp.resolve("eb"), RunFolder.Mode.NEW, Progress.silent());
        long step = (Long) s.extra().get("eb_step");
        int total = c.epochs * c.maxStepsPerEpoch;
        assertThat(step % 3).isZero();
        assertThat(step).isBetween(3L, total - 1L);
        List<String> search = Files.readAllLines(tmp.resolve("eb/search/metrics.jsonl"));
        var lastSearch = Json.JSON.readTree(search.get(search.size() - 1));
        assertThat(lastSearch.get("step").asLong())
                .as("the search stops at the ticket")
                .isEqualTo(step);
        assertThat(lastSearch.get("eb_observations").asLong()).isEqualTo(step / 3 + 1);
        List<String> retrain = Files.readAllLines(tmp.resolve("eb/retrain/metrics.jsonl"));
        var firstRetrain = Json.JSON.readTree(retrain.get(0));
        assertThat(firstRetrain.get("epoch").asLong()).isEqualTo(step / c.maxStepsPerEpoch + 1);
        var lastRetrain = Json.JSON.readTree(retrain.get(retrain.size() - 1));
        assertThat(lastRetrain.get("step").asLong()).as("one schedule in all").isEqualTo(total);
        @SuppressWarnings("unchecked")
        Map<String, Object> budget = (Map<String, Object>) s.extra().get("budget");
        assertThat(budget.get("event")).isEqualTo("ticket");
        assertThat((double) budget.get("fraction_of_schedule")).isEqualTo((double) step / total);
        assertThat(
                        (double) budget.get("train_flops_before")
                                + (double) budget.get("train_flops_after"))
                .isCloseTo(s.trainFlops(), org.assertj.core.data.Percentage.withPercentage(1e-9));
        assertThat((double) budget.get("train_flops_before_ratio"))
                .as("the search ran the dense network up to the ticket")
                .isCloseTo((double) step / total, org.assertj.core.data.Offset.offset(0.02));
        assertThat(s.trainFlops()).isLessThan(s.denseTrainFlops());
    }

    @Test
    @Tag("pipeline")
    void baselinesRunInTheSameFamily() throws Exception {
        TrainConfig r = config("earlybird-reinit");
        RunSummary reinit =
                EarlyBird.run(
                        r, data(r), tmp.resolve("reinit"), RunFolder.Mode.NEW, Progress.silent());
        assertThat(reinit.trainFlops()).isGreaterThan(0);
        assertThat(Files.readAllLines(tmp.resolve("reinit/retrain/metrics.jsonl")))
                .hasSize(r.epochs);
        TrainConfig n = config("slimming");
        n.epochs = 3;
        n.finetuneEpochs = 2;
        RunSummary slim =
                EarlyBird.run(n, data(n), tmp.resolve("ns"), RunFolder.Mode.NEW, Progress.silent());
        assertThat(Files.readAllLines(tmp.resolve("ns/search/metrics.jsonl"))).hasSize(3);
        assertThat(Files.readAllLines(tmp.resolve("ns/finetune/metrics.jsonl"))).hasSize(2);
        assertThat(slim.nonzeroParams()).isLessThan(slim.params());
        assertThat(slim.trainFlops())
                .as("full training + fine-tuning costs more than the schedule alone")
                .isGreaterThan(slim.denseTrainFlops());
    }
}
