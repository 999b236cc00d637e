package dev.sprig.sweep;

import dev.sprig.SprigException;
import dev.sprig.data.DataRoot;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Json;
import dev.sprig.train.Method;
import dev.sprig.train.MethodRun;
import dev.sprig.train.Methods;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Trains one cell into its run folder, the same way wherever it runs: a new run, or the
 * continuation of one that stopped (its checkpoint), so a retried or restarted cell ends with the
 * figures of an uninterrupted run. Data come from the config's {@code data_dir}, else {@code
 * SPRIG_DATA}, else {@code ~/.sprig/data} of the machine it runs on.
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
     * Trains (or finishes) a cell.
     *
     * @param cell the cell
     * @param dir its run folder
     * @return the run's summary
     * @throws SprigException when the run fails, or the folder holds a run of another config
     */
    public static RunSummary train(SweepCell cell, Path dir) {
        // The engine records one gradient tape per process (DJL's collector is global): two runs
        // in one JVM take turns. Parallel cells run in processes of their own.
        synchronized (CellRun.class) {
            return trainAlone(cell, dir);
        }
    }

    private static RunSummary trainAlone(SweepCell cell, Path dir) {
        if (finished(dir)) {
            return RunSummary.read(dir);
        }
        TrainConfig config = Json.readConfig(cell.configYaml(), "cell " + cell.name());
        config.validate();
        RunFolder.Mode mode = RunFolder.Mode.NEW;
        Path saved = dir.resolve("config.yaml");
        if (Files.isRegularFile(saved)) {
            TrainConfig started = Json.readConfig(saved);
            started.validate();
            // Where and how fast a run trains may change between attempts (another executor
            // gives it another share of the cores); what it computes may not.
            started.threads = config.threads;
            started.dataDir = config.dataDir;
            String before = Json.toYaml(started);
            if (!before.equals(Json.toYaml(config))) {
                throw new SprigException(
                        "cell "
                                + cell.name()
                                + ": "
                                + dir
                                + " holds a run of another config (the grid changed since it"
                                + " started); move it away to train the cell afresh");
            }
            mode = RunFolder.Mode.RESUME;
        } else if (Files.isDirectory(dir) && !RunFolder.holdsRun(dir)) {
            mode = RunFolder.Mode.OVERWRITE; // scaffolding of a start that wrote nothing
        }
        Method method = Methods.get(config.method);
        DataSplits data =
                DataSplits.load(
                        config.dataset,
                        DataRoot.resolve(config.dataDir),
                        config.validationFraction,
                        config.seed);
        RunSummary summary = method.run(new MethodRun(config, data, dir, mode, Progress.silent()));
        dev.sprig.report.Report.writeRunPlots(dir);
        return summary;
    }
}
