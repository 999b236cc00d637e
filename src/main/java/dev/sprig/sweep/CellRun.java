package dev.sprig.sweep;

import dev.sprig.SprigException;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cell's run folder before it trains: {@code config.yaml} written (or found unchanged, when the
 * cell started before), so that any executor can train it, or continue it from its checkpoint, with
 * {@link dev.sprig.train.FolderRun}.
 */
public final class CellRun {
    private CellRun() {}

    /**
     * Says whether a cell's folder holds its finished run.
     *
     * @param dir the cell's folder
     * @return whether {@code summary.json} is there
     */
    public static boolean finished(Path dir) {
        return Files.isRegularFile(dir.resolve("summary.json"));
    }

    /**
     * Readies a cell's folder.
     *
     * @param cell the cell
     * @param dir its run folder
     * @return the seed its data are split with (the cell's own)
     * @throws SprigException when the folder holds a run of another config, or other files
     */
    public static long prepare(SweepCell cell, Path dir) {
        TrainConfig config = Json.readConfig(cell.configYaml(), "cell " + cell.name());
        config.validate();
        Path saved = dir.resolve("config.yaml");
        if (Files.isRegularFile(saved)) {
            TrainConfig started = Json.readConfig(saved);
            started.validate();
            // Where and how fast a run trains may change between attempts (another executor
            // gives it another share of the cores); what it computes may not.
            started.threads = config.threads;
            started.dataDir = config.dataDir;
            if (!Json.toYaml(started).equals(Json.toYaml(config))) {
                throw new SprigException(
                        "cell "
                                + cell.name()
                                + ": "
                                + dir
                                + " holds a run of another config (the grid changed since it"
                                + " started); move it away to train the cell afresh");
            }
            return config.seed;
        }
        if (RunFolder.holdsRun(dir)) {
            throw new SprigException(
                    "cell " + cell.name() + ": " + dir + " holds a run without its config.yaml");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SprigException("cannot create " + dir + ": " + e.getMessage());
        }
        RunFolder.writeAtomic(saved, Json.toYaml(config));
        return config.seed;
    }
}
