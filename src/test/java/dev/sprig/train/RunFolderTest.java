package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
    @TempDir Path tmp;

    @Test
    void overwriteRemovesEveryPhaseOfTheOldRunAndRefusesToTouchFilesSprigDidNotWrite()
            throws Exception {
        Path dir = tmp.resolve("run");
        RunFolder.open(dir, RunFolder.Mode.NEW);
        RunFolder.writeAtomic(dir.resolve("config.yaml"), "epochs: 3\n");
        for (String phase :
                new String[] {
                    "retrain", "pruned", "search", "warmup", "finetune", "member-1", "round-2"
                }) {
            RunFolder.writeAtomic(dir.resolve(phase).resolve("config.yaml"), "old: true\n");
            RunFolder.writeAtomic(
                    dir.resolve(phase).resolve("checkpoints/last.ckpt"), new byte[] {1});
        }
        RunFolder.writeAtomic(dir.resolve("plots/accuracy.png"), new byte[] {1});
        RunFolder.writeAtomic(dir.resolve("export/model.pt"), new byte[] {1});
        RunFolder.writeAtomic(dir.resolve("eb_distances.json"), "{}");
        RunFolder.writeAtomic(dir.resolve("reliability.png"), new byte[] {1});
        RunFolder.writeAtomic(dir.resolve("notes.txt"), "mine");
        RunFolder.writeAtomic(dir.resolve("my-figure.png"), "mine");

        assertThatThrownBy(() -> RunFolder.open(dir, RunFolder.Mode.NEW))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("already holds a run");
        // The user's files are named, and nothing is deleted.
        assertThatThrownBy(() -> RunFolder.open(dir, RunFolder.Mode.OVERWRITE))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("my-figure.png, notes.txt");
        assertThat(dir.resolve("config.yaml")).exists();
        assertThat(dir.resolve("retrain/config.yaml")).exists();

        Files.move(dir.resolve("notes.txt"), tmp.resolve("notes.txt"));
        Files.move(dir.resolve("my-figure.png"), tmp.resolve("my-figure.png"));
        RunFolder.open(dir, RunFolder.Mode.OVERWRITE);
        try (var left = Files.list(dir)) {
            // the fresh checkpoint folder and the lock
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("checkpoints", ".lock");
        }
        assertThat(dir.resolve("checkpoints")).isEmptyDirectory();
    }

    @Test
    void anEmptyFolderLeftByAFailedStartHoldsNoRun() throws Exception {
        Path dir = tmp.resolve("failed");
        Files.createDirectories(dir.resolve("checkpoints"));
        Files.writeString(dir.resolve("summary.json.tmp"), "half");
        RunFolder.open(dir, RunFolder.Mode.NEW); // not "already holds a run"
        assertThatThrownBy(() -> RunFolder.open(tmp.resolve("nothing"), RunFolder.Mode.RESUME))
                .hasMessageContaining("nothing to resume");
    }

    @Test
    void aSecondProcessIsRefusedWithTheHoldersPidAndHost() throws Exception {
        Path dir = tmp.resolve("locked");
        RunFolder.open(dir, RunFolder.Mode.NEW);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                LockProbe.class.getName(),
                                dir.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(other.getInputStream().readAllBytes()).trim();
        assertThat(other.waitFor()).as(out).isEqualTo(3);
        assertThat(out).contains("is in use by process " + ProcessHandle.current().pid() + " on ");
        // The same process may open it again (a pipeline's phases, a resume in the same JVM).
        RunFolder.open(dir, RunFolder.Mode.NEW);
    }

    /**
     * Opens a folder in another JVM: exit 3 and the message when it is locked, 0 when it opened.
     */
    public static final class LockProbe {
        private LockProbe() {}

        /**
         * Entry point.
         *
         * @param args the folder
         */
        public static void main(String[] args) {
            try {
                RunFolder.open(Path.of(args[0]), RunFolder.Mode.NEW);
                System.exit(0);
            } catch (SprigException e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }
}
