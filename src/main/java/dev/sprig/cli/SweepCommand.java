package dev.sprig.cli;

import dev.sprig.SprigException;
import dev.sprig.sweep.Sweep;
import dev.sprig.sweep.SweepGrid;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sprig sweep}: a grid of runs, here or on a Spark cluster, tabulated over seeds. */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description =
                "Train a grid of runs (a base config crossed with values of any settings) into"
                        + " --out/<cell>/, and tabulate them with mean and standard deviation over"
                        + " seeds in sweep.json and sweep.csv. Started again, it skips finished"
                        + " cells and resumes the others.")
final class SweepCommand implements Callable<Integer> {
    @Parameters(
            paramLabel = "GRID",
            description = "grid YAML (base or config, settings, grid, name)")
    Path grid;

    @Option(names = "--out", required = true, description = "sweep folder")
    Path out;

    @Option(
            names = "--master",
            description =
                    "where runs train: in-process (default), jvm[N] (N child JVMs), or a Spark"
                            + " master: local[N], spark://HOST:PORT, k8s://...")
    String master;

    @Option(
            names = "--conf",
            paramLabel = "KEY=VALUE",
            description =
                    "a Spark setting (repeatable), e.g. spark.executor.memory=8g or"
                            + " spark.kubernetes.container.image=IMAGE")
    Map<String, String> conf = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() {
        SweepGrid g = SweepGrid.read(grid);
        Sweep.Result r = Sweep.run(g, out, dev.sprig.train.RunExecutors.forMaster(master, 1, conf));
        for (Map<String, Object> row : r.groups()) {
            Object acc = row.get("test_accuracy_mean");
            System.out.printf(
                    Locale.ROOT,
                    "%-40s n=%s  test acc %s ± %s  FLOPs %s  wall %s s%n",
                    row.get("group"),
                    row.get("count"),
                    percent(acc),
                    percent(row.get("test_accuracy_std")),
                    fixed(row.get("train_flops_ratio_mean"), "%.3fx"),
                    fixed(row.get("wall_seconds_mean"), "%.1f"));
        }
        System.out.println(
                "wrote " + out.resolve("sweep.json") + " and " + out.resolve("sweep.csv"));
        if (r.failed() > 0) {
            throw new SprigException(
                    r.failed()
                            + " of "
                            + r.runs().size()
                            + " cells failed (their errors are in "
                            + out.resolve("sweep.json")
                            + "); run the sweep again to retry them");
        }
        return 0;
    }

    private static String percent(Object v) {
        return v == null
                ? "-"
                : String.format(Locale.ROOT, "%.2f%%", 100 * ((Number) v).doubleValue());
    }

    private static String fixed(Object v, String format) {
        return v == null ? "-" : String.format(Locale.ROOT, format, ((Number) v).doubleValue());
    }
}
