package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.data.TestFiles;
import dev.sprig.train.Json;
import dev.sprig.train.TrainConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Users' own data from the command line: an image folder and a CSV table, trained and exported. */
class UserDataCliTest {
    @TempDir Path tmp;

    private record Result(int exit, String out, String err) {}

    private static Result sprig(String... args) {
        CommandLine cl = SprigCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void anImageFolderTrainsRecordsItsDataAndExportsItsLabels() throws Exception {
        Path photos = tmp.resolve("photos");
        int[] colours = {0xd02020, 0x20d020, 0x2020d0};
        String[] names = {"apple", "leaf", "sea"};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 10; i++) {
                TestFiles.solidImage(
                        photos.resolve(names[c] + "/" + i + ".png"), 30 + i, 24, colours[c]);
            }
        }
        Path run = tmp.resolve("run");
        Result r =
                sprig(
                        "train",
                        "--dataset",
                        "folder:" + photos,
                        "--image-size",
                        "32",
                        "--model",
                        "vgg-11",
                        "--width-multiplier",
                        "0.125",
                        "--epochs",
                        "2",
                        "--batch-size",
                        "8",
                        "--validation-fraction",
                        "0",
                        "--data-workers",
                        "2",
                        "--quiet",
                        "--out",
                        run.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode summary = Json.JSON.readTree(run.resolve("summary.json").toFile());
        assertThat(summary.get("dataset").asText()).isEqualTo("folder:" + photos);
        assertThat(summary.get("per_class_accuracy").fieldNames())
                .toIterable()
                .containsExactly("apple", "leaf", "sea");
        assertThat(summary.at("/data/test_images").asInt()).isEqualTo(6);
        assertThat(summary.at("/data/train_transform").asText()).contains("pad-crop-flip(4)");
        TrainConfig written = Json.readConfig(run.resolve("config.yaml"));
        assertThat(written.classNames).containsExactly("apple", "leaf", "sea");
        assertThat(written.normalizationMean).hasSize(3);
        assertThat(written.normalizationMean.get(0)).isBetween(0.3, 0.4);
        assertThat(Files.readString(run.resolve("metrics.jsonl")))
                .contains("\"test_per_class_accuracy\"");

        Result e = sprig("export", run.toString(), "--format", "djl");
        assertThat(e.exit()).as(e.err()).isZero();
        JsonNode model = Json.JSON.readTree(run.resolve("export/model.json").toFile());
        assertThat(model.get("labels").toString()).isEqualTo("[\"apple\",\"leaf\",\"sea\"]");
        assertThat(model.get("input_shape").toString()).isEqualTo("[1,3,32,32]");
        assertThat(model.get("input_mean").size()).isEqualTo(3);
    }

    @Test
    void aCsvTableTrainsAnMlpOnBothExecutionPathsAndRefusesACnn() throws Exception {
        StringBuilder csv = new StringBuilder("height,weight,kind\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            boolean big = i % 2 == 0;
            csv.append(
                    String.format(
                            java.util.Locale.ROOT,
                            "%.3f,%.3f,%s%n",
                            (big ? 180 : 150) + 5 * r.nextGaussian(),
                            (big ? 80 : 50) + 5 * r.nextGaussian(),
                            big ? "large" : "small"));
        }
        Path table = tmp.resolve("people.csv");
        Files.writeString(table, csv.toString());
        for (String exec : List.of("dense", "sparse")) {
            Path run = tmp.resolve("csv-" + exec);
            Result t =
                    sprig(
                            "train",
                            "--dataset",
                            "csv:" + table,
                            "--label-column",
                            "kind",
                            "--method",
                            "rigl",
                            "--sparsity",
                            "0.5",
                            "--exec",
                            exec,
                            "--epochs",
                            "3",
                            "--batch-size",
                            "16",
                            "--lr",
                            "0.05",
                            "--quiet",
                            "--out",
                            run.toString());
            assertThat(t.exit()).as(t.err()).isZero();
            JsonNode s = Json.JSON.readTree(run.resolve("summary.json").toFile());
            assertThat(s.get("test_accuracy").asDouble()).as(exec).isGreaterThan(0.9);
            assertThat(s.at("/data/features").toString()).isEqualTo("[\"height\",\"weight\"]");
            assertThat(s.get("per_class_accuracy").has("large")).isTrue();
        }
        Result cnn =
                sprig(
                        "train",
                        "--dataset",
                        "csv:" + table,
                        "--label-column",
                        "kind",
                        "--model",
                        "resnet-20",
                        "--out",
                        tmp.resolve("cnn").toString());
        assertThat(cnn.exit()).isEqualTo(2);
        assertThat(cnn.err()).contains("trains an MLP").doesNotContain("Exception");
        Result noLabel =
                sprig("train", "--dataset", "csv:" + table, "--out", tmp.resolve("nl").toString());
        assertThat(noLabel.exit()).isEqualTo(2);
        assertThat(noLabel.err()).contains("--label-column");
    }

    @Test
    void aPyTorchArchiveImportsIntoARunThatOtherRunsStartFrom() throws Exception {
        List<String> common =
                List.of(
                        "--dataset",
                        "synthetic",
                        "--epochs",
                        "1",
                        "--max-steps-per-epoch",
                        "5",
                        "--quiet",
                        "--data-dir",
                        tmp.toString());
        Path trained = tmp.resolve("trained");
        List<String> a = new java.util.ArrayList<>(List.of("train", "--out", trained.toString()));
        a.addAll(common);
        assertThat(sprig(a.toArray(String[]::new)).exit()).isZero();
        Result e = sprig("export", trained.toString(), "--format", "state_dict");
        assertThat(e.exit()).as(e.err()).isZero();
        Path archive = trained.resolve("export/state_dict.pt");
        assertThat(archive).isNotEmptyFile();

        Path imported = tmp.resolve("imported");
        List<String> i =
                new java.util.ArrayList<>(
                        List.of(
                                "import",
                                archive.toString(),
                                "--model",
                                "lenet-300-100",
                                "--out",
                                imported.toString()));
        i.addAll(common);
        Result r = sprig(i.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode before = Json.JSON.readTree(trained.resolve("summary.json").toFile());
        JsonNode after = Json.JSON.readTree(imported.resolve("summary.json").toFile());
        assertThat(after.get("method").asText()).isEqualTo("import");
        assertThat(after.get("test_accuracy").asDouble())
                .isEqualTo(before.get("test_accuracy").asDouble());
        assertThat(after.get("imported_tensors").asInt()).isEqualTo(6);

        for (String[] start :
                new String[][] {
                    {"train", "--init-from", imported.toString()},
                    {
                        "train",
                        "--method",
                        "pf",
                        "--prune-from",
                        imported.toString(),
                        "--sparsity",
                        "0.5"
                    },
                    {
                        "train",
                        "--method",
                        "gmp",
                        "--init-from",
                        imported.toString(),
                        "--sparsity",
                        "0.5"
                    }
                }) {
            Path out = tmp.resolve("from-" + Integer.toHexString(java.util.Arrays.hashCode(start)));
            List<String> t = new java.util.ArrayList<>(List.of(start));
            t.addAll(List.of("--out", out.resolve("x").toString()));
            t.addAll(common);
            Result tr = sprig(t.toArray(String[]::new));
            assertThat(tr.exit()).as(String.join(" ", start) + ": " + tr.err()).isZero();
        }
        assertThat(sprig("export", imported.toString(), "--format", "djl").exit()).isZero();
        // Another architecture is refused with what differs, and leaves no folder behind.
        List<String> wrong =
                new java.util.ArrayList<>(
                        List.of(
                                "import",
                                archive.toString(),
                                "--model",
                                "mlp-64",
                                "--out",
                                tmp.resolve("wrong").toString()));
        wrong.addAll(common);
        Result w = sprig(wrong.toArray(String[]::new));
        assertThat(w.exit()).isEqualTo(2);
        assertThat(w.err()).contains("does not fit").contains("fc1.weight");
        assertThat(tmp.resolve("wrong")).doesNotExist();
    }
}
