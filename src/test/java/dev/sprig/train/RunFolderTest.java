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
    void overwriteRemovesEveryPhaseOfTheOldRunAndNothingElse() throws Exception {
        Path dir = tmp.resolve("run");
        RunFolder.open(dir, RunFolder.Mode.NEW);
        RunFolder.writeAtomic(dir.resolve("config.yaml"), "epochs: 3\n");
        for (String phase : new String[] {"retrain", "pruned", "search", "warmup", "finetune"}) {
            RunFolder.writeAtomic(dir.resolve(phase).resolve("config.yaml"), "old: true\n");
            RunFolder.writeAtomic(
                    dir.resolve(phase).resolve("checkpoints/last.ckpt"), new byte[] {1});
        }
        RunFolder.writeAtomic(dir.resolve("plots/accuracy.png"), new byte[] {1});
        RunFolder.writeAtomic(dir.resolve("export/model.pt"), new byte[] {1});
        RunFolder.writeAtomic(dir.resolve("eb_distances.json"), "{}");
        RunFolder.writeAtomic(dir.resolve("notes.txt"), "mine");

        assertThatThrownBy(() -> RunFolder.open(dir, RunFolder.Mode.NEW))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("already holds a run");
        RunFolder.open(dir, RunFolder.Mode.OVERWRITE);

        try (var left = Files.list(dir)) {
            // the fresh checkpoint folder, and the user's own file
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("checkpoints", "notes.txt");
        }
        assertThat(dir.resolve("checkpoints")).isEmptyDirectory();
    }
}
