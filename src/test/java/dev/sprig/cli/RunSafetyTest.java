package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Interruption;
import dev.sprig.train.Json;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A hostile or careless user's run folder: damaged checkpoints, changed flags, foreign files,
 * stops.
 */
class RunSafetyTest {
    @TempDir Path tmp;

    record Result(int exit, String out, String err) {}

    @AfterEach
    void forgetStops() {
        Interruption.clear();
    }

    private static Result sprig(String... args) {
        java.io.PrintStream oldErr = System.err;
        java.io.PrintStream oldOut = System.out;
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(stderr, true));
        System.setOut(new java.io.PrintStream(stdout, true));
        try {
            CommandLine cl = SprigCommand.commandLine();
            cl.setOut(new PrintWriter(System.out, true));
            cl.setErr(new PrintWriter(System.err, true));
            int code = cl.execute(args);
            return new Result(code, stdout.toString(), stderr.toString());
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    /** Dense training at a constant rate: a 2-epoch run resumed to 3 epochs is the 3-epoch run. */
    private String[] train(Path out, String... more) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--dataset",
                                "synthetic",
                                "--model",
                                "lenet-300-100",
                                "--width-multiplier",
                                "0.1",
                                "--lr-schedule",
                                "constant",
                                "--lr",
                                "0.05",
                                "--max-steps-per-epoch",
                                "4",
                                "--quiet",
                                "--out",
                                out.toString()));
        a.addAll(Arrays.asList(more));
        return a.toArray(String[]::new);
    }

    private static JsonNode summary(Path dir) throws Exception {
        return Json.JSON.readTree(dir.resolve("summary.json").toFile());
    }

    private static void flipOneBit(Path file, int fromEnd) throws Exception {
        byte[] b = Files.readAllBytes(file);
        b[b.length - fromEnd] ^= 0x10;
        Files.write(file, b);
    }

    @Test
    void aDamagedCheckpointIsDetectedAndTheOneBeforeItResumesToTheSameFigures() throws Exception {
        Path whole = tmp.resolve("whole");
        assertThat(sprig(train(whole, "--epochs", "3")).exit()).isZero();
        Path dir = tmp.resolve("run");
        assertThat(sprig(train(dir, "--epochs", "2")).exit()).isZero();
        Path last = dir.resolve("checkpoints/last.ckpt");
        Path previous = dir.resolve("checkpoints/last.prev.ckpt");
        assertThat(previous).isRegularFile();

        // One flipped bit in the weights: reported with the section it damaged, then the previous
        // one is used.
        flipOneBit(last, 200);
        Result r = sprig(train(dir, "--epochs", "3", "--resume"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err())
                .contains(
                        "warning: checkpoint "
                                + last
                                + " is damaged: its model and optimiser state"
                                + " fails its checksum")
                .contains("resuming from the checkpoint before it");
        for (String key : List.of("test_accuracy", "test_loss", "train_flops", "epochs")) {
            assertThat(summary(dir).get(key)).as(key).isEqualTo(summary(whole).get(key));
        }
        // resume_changes records the longer schedule.
        JsonNode provenance = Json.JSON.readTree(dir.resolve("provenance.json").toFile());
        assertThat(provenance.get("resume_changes").get(0).get("changes").has("epochs")).isTrue();

        // Both damaged: one clear error naming the file, exit 2.
        flipOneBit(dir.resolve("checkpoints/last.ckpt"), 3);
        flipOneBit(dir.resolve("checkpoints/last.prev.ckpt"), 5000);
        r = sprig(train(dir, "--epochs", "4", "--resume"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .contains("is damaged")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void resumeAppliesOnlyTheSettingsThatMayChangeAndNamesTheOthers() throws Exception {
        Path dir = tmp.resolve("run");
        assertThat(
                        sprig(train(dir, "--epochs", "1", "--method", "rigl", "--sparsity", "0.8"))
                                .exit())
                .isZero();
        Result r = sprig(train(dir, "--resume", "--method", "set", "--sparsity", "0.5"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .contains("--resume cannot change method (rigl -> set), sparsity (0.8 -> 0.5)")
                .contains("it may change epochs, lr");
        r = sprig(train(dir, "--resume", "--epochs", "2", "--lr", "0.01"));
        assertThat(r.exit()).as(r.err()).isZero();
        TrainConfig c = Json.readConfig(dir.resolve("config.yaml"));
        assertThat(c.epochs).isEqualTo(2);
        assertThat(c.lr).isEqualTo(0.01);
        assertThat(summary(dir).get("epochs").asInt()).isEqualTo(2);
        assertThat(sprig(train(dir, "--resume", "--epochs", "1")).err())
                .contains("lengthen its schedule");
    }

    @Test
    void overwriteKeepsTheUsersFilesAndAFailedStartLeavesNoFolder() throws Exception {
        Path dir = tmp.resolve("run");
        assertThat(sprig(train(dir, "--epochs", "1")).exit()).isZero();
        Files.writeString(dir.resolve("my-figure.png"), "mine");
        Result r = sprig(train(dir, "--epochs", "1", "--overwrite"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("also holds my-figure.png");
        assertThat(dir.resolve("my-figure.png")).hasContent("mine");
        assertThat(dir.resolve("summary.json")).exists();

        Path failed = tmp.resolve("failed");
        r = sprig(train(failed, "--model", "vgg-11", "--channel-widths", "nosuch=3"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("nosuch");
        assertThat(failed).doesNotExist();
        assertThat(sprig(train(failed, "--epochs", "1")).exit()).isZero();

        assertThat(sprig(train(tmp.resolve("x"), "--dataset", "imagenet")).err())
                .contains("synthetic");
        r = sprig("export", dir.toString(), "--format", "djl");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("exported the model of " + dir.resolve("checkpoints/best.ckpt"));
    }

    @Test
    void aRunKilledBeforeItWroteAnythingResumesByStartingOver() throws Exception {
        Path whole = tmp.resolve("whole");
        assertThat(sprig(train(whole, "--epochs", "2")).exit()).isZero();
        // What a SIGKILL in the first moments leaves: the lock and an empty checkpoint folder.
        Path dir = tmp.resolve("early");
        Files.createDirectories(dir.resolve("checkpoints"));
        Files.writeString(dir.resolve(".lock"), "process 1 on elsewhere\n");
        Result r = sprig(train(dir, "--epochs", "2", "--resume"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("starting it from the beginning");
        assertThat(summary(dir).get("test_loss")).isEqualTo(summary(whole).get("test_loss"));
        assertThat(sprig(train(tmp.resolve("never"), "--resume")).err())
                .contains("nothing to resume");
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFile() throws Exception {
        Path target = tmp.resolve("summary.json");
        Files.createDirectories(
                target.resolve("inside")); // a non-empty folder cannot be replaced by a file
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> RunFolder.writeAtomic(target, "{}"))
                .hasMessageContaining("cannot write");
        assertThat(tmp.resolve("summary.json.tmp")).doesNotExist();
    }

    @Test
    void aStopRequestCheckpointsAtTheNextStepAndTheResumedRunEndsIdentically() throws Exception {
        TrainConfig c = new TrainConfig();
        c.method = "rigl";
        c.dataset = "synthetic";
        c.widthMultiplier = 0.1;
        c.epochs = 2;
        c.maxStepsPerEpoch = 6;
        c.updateInterval = 2;
        c.validationFraction = 0;
        c.exec = "dense";
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0, 0);
        RunSummary whole =
                new Trainer(
                                c,
                                data,
                                RunFolder.open(tmp.resolve("whole"), RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .run();
        Path dir = tmp.resolve("stopped");
        Trainer stopped =
                new Trainer(
                                c,
                                data,
                                RunFolder.open(dir, RunFolder.Mode.NEW),
                                Methods.hooksFor(c),
                                false)
                        .onStep(
                                step -> {
                                    if (step == 8) {
                                        Interruption.request("INT"); // what Ctrl-C does
                                    }
                                });
        org.assertj.core.api.Assertions.assertThatThrownBy(stopped::run)
                .isInstanceOf(Interruption.Stopped.class)
                .hasMessageContaining("stopped in epoch 2 after step 9")
                .hasMessageContaining("sprig train --resume --out " + dir)
                .satisfies(e -> assertThat(((Interruption.Stopped) e).exitStatus()).isEqualTo(130));
        Interruption.clear();
        assertThat(
                        dev.sprig.train.Checkpoint.read(dir.resolve("checkpoints/last.ckpt"))
                                .state()
                                .step())
                .isEqualTo(9);
        RunSummary resumed =
                new Trainer(
                                c,
                                data,
                                RunFolder.open(dir, RunFolder.Mode.RESUME),
                                Methods.hooksFor(c),
                                true)
                        .run();
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
    }
}
