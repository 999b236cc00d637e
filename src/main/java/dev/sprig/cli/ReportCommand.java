package dev.sprig.cli;

import dev.sprig.report.Report;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sprig report}: one self-contained HTML page comparing run folders. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description =
                "Compare runs in one self-contained HTML page: each setting's accuracy, training"
                        + " FLOPs and wall time against dense, a sortable table (seeds as mean ±"
                        + " sd), accuracy vs FLOPs and vs wall time with the Pareto front,"
                        + " learning curves, connections moved per mask update, per-layer"
                        + " densities or channels, Early-Bird distance maps, EPI curves,"
                        + " reliability diagrams.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(
            arity = "1..*",
            paramLabel = "RUN_DIR",
            description = "run folders (each with summary.json), or sweep folders (their runs)")
    List<Path> dirs;

    @Option(names = "--out", defaultValue = "report.html", description = "HTML file to write")
    Path out;

    @Option(
            names = "--baseline",
            paramLabel = "RUN_DIR",
            description =
                    "the run every setting is compared with (default: each setting's dense run of"
                            + " the same model, data set and schedule)")
    Path baseline;

    @Override
    public Integer call() {
        List<Path> runs = new java.util.ArrayList<>();
        for (Path d : dirs) {
            runs.addAll(expandSweep(d));
        }
        dirs = runs;
        if (baseline != null && !dirs.contains(baseline)) {
            dirs.add(baseline);
        }
        int images = Report.html(dirs, out, baseline);
        System.out.println("wrote " + out + " (" + dirs.size() + " runs, " + images + " plots)");
        return 0;
    }

    /** A sweep's folder stands for its finished runs, in grid order; a run folder for itself. */
    private static List<Path> expandSweep(Path dir) {
        Path table = dir.resolve("sweep.json");
        if (java.nio.file.Files.isRegularFile(dir.resolve("summary.json"))
                || !java.nio.file.Files.isRegularFile(table)) {
            return List.of(dir);
        }
        List<Path> runs = new java.util.ArrayList<>();
        try {
            for (com.fasterxml.jackson.databind.JsonNode row :
                    dev.sprig.train.Json.JSON.readTree(table.toFile()).path("runs")) {
                Path run = dir.resolve(row.path("cell").asText());
                if (java.nio.file.Files.isRegularFile(run.resolve("summary.json"))) {
                    runs.add(run);
                }
            }
        } catch (java.io.IOException e) {
            throw new dev.sprig.SprigException("cannot read " + table + ": " + e.getMessage());
        }
        if (runs.isEmpty()) {
            throw new dev.sprig.SprigException("sweep " + dir + " has no finished runs yet");
        }
        return runs;
    }
}
