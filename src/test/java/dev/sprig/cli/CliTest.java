package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.TestFiles;
import dev.sprig.train.Json;
import dev.sprig.train.TrainConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
    @TempDir Path tmp;

    record Result(int exit, String out, String err) {}

    private Result sprig(String... args) {
        CommandLine cl = SprigCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private String[] quickTrain(String... more) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--dataset",
                                "synthetic",
                                "--epochs",
                                "1",
                                "--max-steps-per-epoch",
                                "3",
                                "--quiet",
                                "--data-dir",
                                tmp.toString()));
        a.addAll(Arrays.asList(more));
        return a.toArray(String[]::new);
    }

    /**
     * An Early-Bird run whose ε = 1 settles the first full queue of masks (epoch 4 with queue 5).
     */
    private void settledEarlyBird(Path dir, int epochs) {
        Result r =
                sprig(
                        "earlybird",
                        "--dataset",
                        "synthetic",
                        "--model",
                        "vgg-11",
                        "--width-multiplier",
                        "0.125",
                        "--epochs",
                        Integer.toString(epochs),
                        "--max-steps-per-epoch",
                        "2",
                        "--eb-epsilon",
                        "1",
                        "--quiet",
                        "--data-dir",
                        tmp.toString(),
                        "--out",
                        dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
    }

    private static void assertOneLineError(Result r, String fragment) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(fragment).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines().filter(l -> l.startsWith("error:")).count())
                .isEqualTo(1);
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        Result r = sprig("train", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains(
                        "--batch-size",
                        "Default: 128",
                        "--lr-schedule",
                        "Default: cosine",
                        "--device",
                        "Default: auto",
                        "--resume",
                        "--overwrite");
        assertThat(sprig("--help").out())
                .contains("train", "models", "datasets", "download", "bench");
    }

    @Test
    void badInputGivesOneLineAndExitTwo() throws Exception {
        assertOneLineError(
                sprig(quickTrain("--model", "alexnet", "--out", tmp.resolve("a").toString())),
                "unknown model 'alexnet'");
        assertOneLineError(
                sprig(quickTrain("--epochs", "0", "--out", tmp.resolve("b").toString())),
                "epochs must be at least 1");
        assertOneLineError(
                sprig(quickTrain("--lr-schedule", "wavy", "--out", tmp.resolve("b2").toString())),
                "lr_schedule");
        assertOneLineError(sprig("train", "--epochs", "many"), "--epochs");
        assertOneLineError(
                sprig(quickTrain("--device", "tpu:3", "--out", tmp.resolve("c").toString())),
                "device must be");
        assertOneLineError(
                sprig(quickTrain("--resume", "--overwrite", "--out", tmp.resolve("d").toString())),
                "exclude each other");
        assertOneLineError(
                sprig(
                        quickTrain(
                                "--method",
                                "rigl",
                                "--sparsity",
                                "1.2",
                                "--out",
                                tmp.resolve("s").toString())),
                "sparsity must be in [0, 1), got 1.2");
        assertOneLineError(
                sprig(quickTrain("--method", "lottery", "--out", tmp.resolve("l").toString())),
                "unknown method 'lottery'");
        assertThat(tmp.resolve("l")).doesNotExist();
        // Every family's settings are checked whatever the method (each by its own options type).
        assertOneLineError(
                sprig(
                        quickTrain(
                                "--distribution", "nosuch", "--out", tmp.resolve("d1").toString())),
                "distribution must be uniform, er or erk, got 'nosuch'");
        assertOneLineError(
                sprig(
                        quickTrain(
                                "--method",
                                "rigl",
                                "--grow-init",
                                "gaussian",
                                "--out",
                                tmp.resolve("d2").toString())),
                "grow_init must be zero or random_normal, got 'gaussian'");
        assertOneLineError(
                sprig(
                        quickTrain(
                                "--ensemble-growth",
                                "magic",
                                "--out",
                                tmp.resolve("d3").toString())),
                "ensemble_growth must be gradient, random or momentum, got 'magic'");
        assertOneLineError(
                sprig(quickTrain("--exec", "turbo", "--out", tmp.resolve("d4").toString())),
                "exec must be auto, dense or sparse, got 'turbo'");
        assertOneLineError(
                sprig(quickTrain("--epi-budget", "energy", "--out", tmp.resolve("d5").toString())),
                "epi_budget must be flops, params or latency, got 'energy'");
        for (String d : List.of("d1", "d2", "d3", "d4", "d5")) {
            assertThat(tmp.resolve(d)).doesNotExist();
        }
        Path cfg = Files.writeString(tmp.resolve("bad.yaml"), "epochs: 2\nbatch_sise: 3\n");
        assertOneLineError(
                sprig(quickTrain("--config", cfg.toString(), "--out", tmp.resolve("e").toString())),
                "unknown key 'batch_sise'");
        Path notYaml = Files.writeString(tmp.resolve("bad2.yaml"), "epochs: [1, 2\n");
        assertOneLineError(
                sprig(
                        quickTrain(
                                "--config",
                                notYaml.toString(),
                                "--out",
                                tmp.resolve("f").toString())),
                "bad config");
    }

    @Test
    void familyCommandsShowOnlyTheirOwnOptions() {
        String eb = sprig("earlybird", "--help").out();
        String epi = sprig("epi", "--help").out();
        String ens = sprig("ensemble", "--help").out();
        String train = sprig("train", "--help").out();
        assertThat(eb)
                .contains(
                        "Early-Bird and network slimming:", "--eb-epsilon", "--prune-ratio", "--lr")
                .doesNotContain(
                        "--epi-",
                        "--members",
                        "--pf-lr",
                        "--lth-rounds",
                        "--drop-fraction",
                        "--sparsity");
        assertThat(epi)
                .contains("EPI (early structural pruning):", "--epi-tau", "--oracle-epochs")
                .doesNotContain(
                        "--eb-", "--members", "--drop-fraction", "--lth-rounds", "--sparsity");
        assertThat(ens)
                .contains("Ensembles (FreeTickets):", "--members", "--drop-fraction", "--sparsity")
                .doesNotContain("--eb-", "--epi-", "--lth-rounds", "--prune-ratio");
        assertThat(train)
                .contains(
                        "--eb-epsilon",
                        "--epi-tau",
                        "--members",
                        "--lth-rounds",
                        "--drop-fraction");
        // Each family command defaults to its own method and names only its own methods.
        assertThat(eb).contains("earlybird, earlybird-reinit, slimming").doesNotContain("rigl,");
        assertOneLineError(sprig("earlybird", "--drop-fraction", "0.3"), "--drop-fraction");
        assertOneLineError(
                sprig(
                        "earlybird",
                        "--method",
                        "rigl",
                        "--dataset",
                        "synthetic",
                        "--out",
                        tmp.resolve("eb-rigl").toString()),
                "sprig earlybird trains earlybird, earlybird-reinit, slimming");
    }

    @Test
    void sparseMethodsTrainFromTheCommandLine() throws Exception {
        Result r =
                sprig(
                        quickTrain(
                                "--method",
                                "rigl",
                                "--sparsity",
                                "0.95",
                                "--distribution",
                                "erk",
                                "--update-interval",
                                "1",
                                "--out",
                                tmp.resolve("rigl").toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        var summary = Json.JSON.readTree(tmp.resolve("rigl/summary.json").toFile());
        assertThat(summary.get("method").asText()).isEqualTo("rigl");
        assertThat(summary.get("sparsity").asDouble()).isBetween(0.949, 0.951);
        assertThat(summary.get("layer_densities").has("fc1")).isTrue();
        assertThat(summary.get("train_flops").asDouble())
                .isLessThan(summary.get("dense_train_flops").asDouble());
        assertThat(summary.get("exec").asText())
                .as("auto picks the sparse path for a 95%% sparse MLP")
                .isEqualTo("sparse");
        assertThat(Files.readString(tmp.resolve("rigl/metrics.jsonl")))
                .contains("\"exec\":\"sparse\"");

        Result dense =
                sprig(
                        quickTrain(
                                "--method",
                                "rigl",
                                "--sparsity",
                                "0.95",
                                "--exec",
                                "dense",
                                "--out",
                                tmp.resolve("rigl-dense").toString()));
        assertThat(dense.exit()).as(dense.err()).isZero();
        assertThat(Json.JSON.readTree(tmp.resolve("rigl-dense/summary.json").toFile()).has("exec"))
                .isFalse();
        assertOneLineError(
                sprig(
                        quickTrain(
                                "--method",
                                "gmp",
                                "--exec",
                                "sparse",
                                "--out",
                                tmp.resolve("g").toString())),
                "needs dense weights");
    }

    @Test
    void benchSparseWritesOneRowPerModelPathAndSparsity() throws Exception {
        Path json = tmp.resolve("sparse.json");
        Result r =
                sprig(
                        "bench",
                        "sparse",
                        "--models",
                        "mlp-32",
                        "--sparsities",
                        "0,0.9",
                        "--steps",
                        "2",
                        "--rounds",
                        "2",
                        "--batch",
                        "16",
                        "--min-seconds",
                        "0.05",
                        "--pytorch",
                        "off",
                        "--json",
                        json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        var rows = Json.JSON.readTree(json.toFile());
        assertThat(rows).hasSize(4);
        for (var row : rows) {
            assertThat(row.get("samples_per_s").asDouble()).isPositive();
            assertThat(row.get("path").asText()).isIn("sprig-sparse", "sprig-masked-dense");
        }
    }

    @Test
    void benchTrainWritesOneRowPerModel() throws Exception {
        Path json = tmp.resolve("bench.json");
        Result r =
                sprig(
                        "bench",
                        "train",
                        "--models",
                        "lenet-300-100",
                        "--steps",
                        "3",
                        "--rounds",
                        "3",
                        "--min-seconds",
                        "0.05",
                        "--json",
                        json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        var rows = Json.JSON.readTree(json.toFile());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("model").asText()).isEqualTo("lenet-300-100");
        assertThat(rows.get(0).get("samples_per_s").asDouble()).isPositive();
        // --rounds counts timed rounds; the warm-up round is extra.
        assertThat(rows.get(0).get("rounds")).hasSize(3);
    }

    @Test
    void corruptDataFileIsReportedByName() throws Exception {
        Path dir = TestFiles.mnistFolder(tmp, "mnist", 10, 4);
        byte[] img = Files.readAllBytes(dir.resolve("t10k-images-idx3-ubyte"));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), Arrays.copyOf(img, img.length - 10));
        Result r =
                sprig(
                        "train",
                        "--dataset",
                        "mnist",
                        "--data-dir",
                        tmp.toString(),
                        "--out",
                        tmp.resolve("m").toString());
        assertOneLineError(r, "truncated IDX image file");
        assertThat(r.err()).contains("t10k-images-idx3-ubyte");
    }

    @Test
    void refusesAnOutputFolderThatHoldsARunThenResumesOrOverwrites() throws Exception {
        String out = tmp.resolve("run").toString();
        assertThat(sprig(quickTrain("--out", out)).exit()).isZero();
        String summary = Files.readString(tmp.resolve("run/summary.json"));
        assertOneLineError(sprig(quickTrain("--out", out)), "already holds a run");
        assertThat(Files.readString(tmp.resolve("run/summary.json"))).isEqualTo(summary);
        assertThat(sprig(quickTrain("--out", out, "--resume")).exit()).isZero();
        assertThat(sprig(quickTrain("--out", out, "--overwrite", "--seed", "3")).exit()).isZero();
        assertThat(Json.readConfig(tmp.resolve("run/config.yaml")).seed).isEqualTo(3);
    }

    @Test
    void flagsOverrideTheConfigFileAndTheResolvedConfigRoundTrips() throws Exception {
        Path cfg =
                Files.writeString(
                        tmp.resolve("c.yaml"),
                        "epochs: 1\nlr: 0.02\nlr_schedule: multistep\nweight_decay: 0.001\n");
        Result r =
                sprig(
                        quickTrain(
                                "--config",
                                cfg.toString(),
                                "--lr",
                                "0.03",
                                "--out",
                                tmp.resolve("o").toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        TrainConfig resolved = Json.readConfig(tmp.resolve("o/config.yaml"));
        assertThat(resolved.lr).isEqualTo(0.03);
        assertThat(resolved.weightDecay).isEqualTo(0.001);
        assertThat(resolved.lrSchedule).isEqualTo("multistep");
        assertThat(resolved.maxStepsPerEpoch).isEqualTo(3);
        assertThat(Json.toYaml(Json.readConfig(Json.toYaml(resolved), "round trip")))
                .isEqualTo(Json.toYaml(resolved));
    }

    @Test
    void ensembleTakesThePublishedDefaultsUnderFlagsAndEvaluateReadsIt() throws Exception {
        Path dir = tmp.resolve("ens");
        Result r =
                sprig(
                        "ensemble",
                        "--dataset",
                        "synthetic",
                        "--epochs",
                        "2",
                        "--max-steps-per-epoch",
                        "3",
                        "--members",
                        "2",
                        "--update-interval",
                        "2",
                        "--quiet",
                        "--data-dir",
                        tmp.toString(),
                        "--out",
                        dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        TrainConfig c = Json.readConfig(dir.resolve("config.yaml"));
        assertThat(c.method).isEqualTo("dst-ensemble");
        assertThat(c.weightDecay).isEqualTo(5e-4); // FreeTickets' default
        assertThat(c.sparsity).isEqualTo(0.8);
        assertThat(c.updateInterval).isEqualTo(2); // the flag wins over the default of 1000
        var summary = Json.JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("sparsity").asDouble()).isBetween(0.75, 0.85);
        assertThat(summary.get("members").size()).isEqualTo(2);

        Result e =
                sprig(
                        "evaluate",
                        dir.toString(),
                        "--corruptions",
                        "gaussian_noise,contrast",
                        "--severities",
                        "1,5",
                        "--corruption-limit",
                        "50",
                        "--data-dir",
                        tmp.toString());
        assertThat(e.exit()).as(e.err()).isZero();
        var ev = Json.JSON.readTree(dir.resolve("evaluation.json").toFile());
        assertThat(ev.get("test").get("accuracy").asDouble())
                .isEqualTo(summary.get("test_accuracy").asDouble());
        assertThat(ev.get("corruptions").size()).isEqualTo(4);
        assertThat(ev.get("ood").get("gaussian_noise").get("auroc_max_probability").asDouble())
                .isBetween(0.0, 1.0);
        assertThat(ev.get("diversity").get("disagreement").asDouble()).isBetween(0.0, 1.0);
        assertThat(dir.resolve("reliability.png")).exists();
        assertThat(Files.size(dir.resolve("reliability.png"))).isGreaterThan(1000);

        assertOneLineError(
                sprig(
                        "ensemble",
                        "--method",
                        "rigl",
                        "--dataset",
                        "synthetic",
                        "--out",
                        tmp.resolve("x").toString()),
                "sprig ensemble trains");
        assertOneLineError(sprig("evaluate", tmp.resolve("nothing").toString()), "no run folder");
        assertOneLineError(
                sprig("evaluate", dir.toString(), "--corruptions", "fog"),
                "unknown corruption 'fog'");
        assertOneLineError(
                sprig("ensemble", "--dataset", "synthetic", "--out", dir.toString()),
                "already holds a run");
    }

    @Test
    void exportWritesEveryFormatOfADefaultRunAndRefusesAnUnknownOne() throws Exception {
        Path run = tmp.resolve("exp");
        // exec auto puts a 90%-sparse MLP on the sparse path: its CSR checkpoint exports too
        assertThat(
                        sprig(
                                        quickTrain(
                                                "--method",
                                                "rigl",
                                                "--sparsity",
                                                "0.9",
                                                "--out",
                                                run.toString()))
                                .exit())
                .isZero();
        Result r = sprig("export", run.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        for (String f :
                List.of("model.pt", "model.csr", "model.json", "lenet-300-100-0000.params")) {
            assertThat(run.resolve("export").resolve(f)).isNotEmptyFile();
        }
        assertThat(Files.readString(run.resolve("export/model.json")))
                .contains("\"input_mean\"", "\"torchscript_bytes\"");
        assertOneLineError(
                sprig(
                        "export",
                        run.toString(),
                        "--format",
                        "onnx",
                        "--out",
                        tmp.resolve("e2").toString()),
                "unknown export format 'onnx'");
        assertOneLineError(sprig("export", tmp.resolve("nothing").toString()), "nothing");
    }

    @Test
    void exportFindsAPipelinesFinalPhaseAndEveryEnsembleMember() throws Exception {
        Path eb = tmp.resolve("eb");
        // ε = 1 lets the first full queue of masks (epoch 4) count as settled: the ticket is drawn
        // and retrained.
        settledEarlyBird(eb, 6);
        assertThat(eb.resolve("retrain/summary.json")).exists();
        assertThat(sprig("export", eb.toString(), "--format", "torchscript").exit()).isZero();
        // the exported network is the thin ticket, not the full search network
        assertThat(Files.readString(eb.resolve("export/model.json")))
                .contains("\"channel_widths\" : {");
        Path ens = tmp.resolve("ens");
        Result r =
                sprig(
                        "ensemble",
                        "--dataset",
                        "synthetic",
                        "--epochs",
                        "1",
                        "--max-steps-per-epoch",
                        "2",
                        "--members",
                        "2",
                        "--quiet",
                        "--data-dir",
                        tmp.toString(),
                        "--out",
                        ens.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(sprig("export", ens.toString(), "--format", "torchscript,csr").exit()).isZero();
        for (String m : List.of("member-1", "member-2")) {
            assertThat(ens.resolve("export").resolve(m).resolve("model.pt")).isNotEmptyFile();
            assertThat(ens.resolve("export").resolve(m).resolve("model.csr")).isNotEmptyFile();
        }
        assertThat(ens.resolve("export/ensemble.pt")).isNotEmptyFile();
        assertThat(Files.readString(ens.resolve("export/ensemble.json")))
                .contains("mean of the members' softmax");
    }

    @Test
    void anOverwrittenPipelineDoesNotResumeTheOldRunsPrunedPhase() throws Exception {
        Path dir = tmp.resolve("epi");
        String[] common = {
            "epi",
            "--dataset",
            "synthetic",
            "--model",
            "vgg-11",
            "--width-multiplier",
            "0.125",
            "--epochs",
            "2",
            "--max-steps-per-epoch",
            "2",
            "--quiet",
            "--data-dir",
            tmp.toString(),
            "--out",
            dir.toString()
        };
        List<String> first = new ArrayList<>(Arrays.asList(common));
        first.addAll(List.of("--epi-prune-epoch", "0"));
        assertThat(sprig(first.toArray(String[]::new)).exit()).isZero();
        assertThat(
                        Json.JSON
                                .readTree(dir.resolve("summary.json").toFile())
                                .get("prune_epoch")
                                .asInt())
                .isZero();
        // the default trigger cannot fire within two epochs (its window is longer): no pruning this
        // time
        List<String> second = new ArrayList<>(Arrays.asList(common));
        second.add("--overwrite");
        Result r = sprig(second.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(dir.resolve("pruned")).doesNotExist();
        assertThat(Json.JSON.readTree(dir.resolve("summary.json").toFile()).get("pruned").asText())
                .startsWith("never");
    }

    @Test
    void anEarlyBirdTicketDrawnAtTheLastEpochLeavesTheSearchAsTheResult() throws Exception {
        Path dir = tmp.resolve("eb-last");
        // queue 5: the first ticket can settle at epoch 4, the last of this schedule
        settledEarlyBird(dir, 4);
        assertThat(dir.resolve("retrain")).doesNotExist();
        var summary = Json.JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("ticket").asText()).startsWith("drawn at the last epoch");
        assertThat(summary.get("epochs").asInt()).isEqualTo(4);
    }
}
