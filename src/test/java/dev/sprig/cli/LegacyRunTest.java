package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Json;
import dev.sprig.train.TrainConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Run folders of the formats before the redesign (flat {@code config.yaml}, checkpoint version 1
 * and the sparse path's own checkpoint; see {@code src/test/resources/legacy-runs/README.md}) still
 * read: they evaluate and export, and a run killed after its first epoch resumes to the figures the
 * old Sprig printed for the uninterrupted run.
 */
class LegacyRunTest {
    private static final Path LEGACY = Path.of("src/test/resources/legacy-runs");

    @TempDir Path tmp;

    private static int sprig(String... args) {
        CommandLine cl = SprigCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertThat(code).as(err.toString()).isZero();
        return code;
    }

    private Path copy(String run, String as) throws IOException {
        Path from = LEGACY.resolve(run);
        Path to = tmp.resolve(as);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    @ParameterizedTest
    @ValueSource(strings = {"engine-static", "csr-static"})
    void oldRunFoldersEvaluateExportAndResumeToTheUninterruptedFigures(String run)
            throws Exception {
        JsonNode expected = Json.JSON.readTree(LEGACY.resolve("expected.json").toFile()).get(run);
        Path old = copy(run, "evaluated");
        TrainConfig c = Json.readConfig(old.resolve("config.yaml"));
        assertThat(c.method).isEqualTo("static");
        assertThat(c.epochs).isEqualTo(2);
        assertThat(c.sparsity).isEqualTo(0.9);

        sprig("evaluate", old.toString(), "--ood", "none", "--corruptions", "none", "--no-noise");
        JsonNode eval = Json.JSON.readTree(old.resolve("evaluation.json").toFile());
        assertThat(eval.get("test").get("accuracy").asDouble())
                .isEqualTo(expected.get("after_epoch_1").get("test_accuracy").asDouble());
        sprig("export", old.toString());
        assertThat(old.resolve("export/model.pt")).isNotEmptyFile();
        assertThat(old.resolve("export/model.csr")).isNotEmptyFile();

        Path killed = copy(run, "resumed");
        sprig("train", "--resume", "--quiet", "--out", killed.toString());
        JsonNode summary = Json.JSON.readTree(killed.resolve("summary.json").toFile());
        JsonNode whole = expected.get("uninterrupted");
        for (String key :
                new String[] {
                    "test_accuracy",
                    "test_loss",
                    "train_flops",
                    "dense_train_flops",
                    "nonzero_params",
                    "epochs"
                }) {
            assertThat(summary.get(key).asDouble()).as(key).isEqualTo(whole.get(key).asDouble());
        }
        // The resumed run's checkpoints are of the current format.
        assertThat(Checkpoint.read(killed.resolve("checkpoints/last.ckpt")).backend())
                .isEqualTo(run.startsWith("csr") ? "sparse" : Checkpoint.ENGINE);
    }
}
