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
                "Compare runs in one self-contained HTML page: figures table, accuracy vs training"
                        + " FLOPs, learning curves, per-layer densities or channels, Early-Bird"
                        + " distance maps, EPI curves, reliability diagrams.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(
            arity = "1..*",
            paramLabel = "RUN_DIR",
            description = "run folders (each with summary.json)")
    List<Path> dirs;

    @Option(names = "--out", defaultValue = "report.html", description = "HTML file to write")
    Path out;

    @Override
    public Integer call() {
        int images = Report.html(dirs, out);
        System.out.println("wrote " + out + " (" + dirs.size() + " runs, " + images + " plots)");
        return 0;
    }
}
