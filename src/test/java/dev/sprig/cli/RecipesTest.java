package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.TestFiles;
import dev.sprig.models.ModelZoo;
import dev.sprig.train.Json;
import dev.sprig.train.TrainConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class RecipesTest {
    @TempDir static Path data;

    @BeforeAll
    static void writeData() throws Exception {
        TestFiles.mnistFolder(data, "mnist", 40, 8);
        Path c10 = Files.createDirectories(data.resolve("cifar-10/cifar-10-batches-bin"));
        for (int i = 1; i <= 5; i++) {
            Files.write(c10.resolve("data_batch_" + i + ".bin"), TestFiles.cifarRecords(8, 1, 10));
        }
        Files.write(c10.resolve("test_batch.bin"), TestFiles.cifarRecords(8, 1, 10));
        Path c100 = Files.createDirectories(data.resolve("cifar-100/cifar-100-binary"));
        Files.write(c100.resolve("train.bin"), TestFiles.cifarRecords(40, 2, 100));
        Files.write(c100.resolve("test.bin"), TestFiles.cifarRecords(8, 2, 100));
    }

    static List<String> recipes() {
        return Recipes.names();
    }

    @Test
    void everyRecipeNamesItsSourceAndTarget() {
        assertThat(Recipes.names())
                .contains(
                        "rigl-lenet300-mnist",
                        "earlybird-vgg16-cifar10",
                        "freetickets-edst-wrn28-10-cifar10",
                        "epi-resnet56-cifar10")
                .hasSizeGreaterThanOrEqualTo(8);
        for (String n : Recipes.names()) {
            Recipes.Recipe r = Recipes.get(n);
            assertThat(r.target()).as(n).isNotBlank();
            assertThat(r.source()).as(n).isNotBlank();
            TrainConfig c = Json.readConfig(r.yaml(), "recipe " + n).validate();
            int channels = c.dataset.startsWith("cifar") ? 3 : 1;
            int size = c.dataset.startsWith("cifar") ? 32 : 28;
            assertThat(
                            ModelZoo.specs(
                                    c.model,
                                    channels,
                                    size,
                                    c.dataset.equals("cifar-100") ? 100 : 10,
                                    c.widthMultiplier))
                    .as(n)
                    .isNotEmpty();
        }
    }

    /**
     * Each recipe starts: its own settings, cut to three one-step epochs on tiny data in the real
     * formats. CIFAR networks run at an eighth of their width (the same code paths at a size a unit
     * test can afford: WRN-28-10 at full width is 36 M parameters per member).
     */
    @ParameterizedTest
    @MethodSource("recipes")
    void recipeStarts(String name) {
        CommandLine cl = SprigCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        Path out = data.resolve("runs").resolve(name);
        String width = Recipes.get(name).yaml().contains("dataset: cifar") ? "0.125" : "1";
        int code =
                cl.execute(
                        "train",
                        "--recipe",
                        name,
                        "--data-dir",
                        data.toString(),
                        "--epochs",
                        "3",
                        "--lr-milestones",
                        "1,2",
                        "--edst-explore-epochs",
                        "1",
                        "--members",
                        "2",
                        "--max-steps-per-epoch",
                        "1",
                        "--batch-size",
                        "2",
                        "--eval-batch-size",
                        "8",
                        "--width-multiplier",
                        width,
                        "--quiet",
                        "--out",
                        out.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.resolve("summary.json")).exists();
        TrainConfig c = Json.readConfig(out.resolve("config.yaml"));
        assertThat(c.method).isEqualTo(Json.readConfig(Recipes.get(name).yaml(), name).method);
    }
}
