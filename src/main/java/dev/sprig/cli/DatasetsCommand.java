package dev.sprig.cli;

import dev.sprig.data.DataRoot;
import dev.sprig.data.KnownDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Lists the known data sets and whether their files are present. */
@Command(
        name = "datasets",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description = "List data sets, where Sprig looks for them, and whether they are present.")
final class DatasetsCommand implements Callable<Integer> {
    @Option(
            names = "--data-dir",
            description = "data root (default: $SPRIG_DATA, else ~/.sprig/data)")
    String dataDir;

    @Override
    public Integer call() {
        Path root = DataRoot.resolve(dataDir);
        System.out.println("data root: " + root.toAbsolutePath());
        for (KnownDataset d : KnownDataset.values()) {
            Path dir = root.resolve(d.key());
            System.out.printf(
                    "%-14s %-8s %s  files: %s%n",
                    d.key(),
                    Files.isDirectory(dir) ? "present" : "missing",
                    dir,
                    String.join(", ", d.downloads().stream().map(f -> f[0]).toList()));
        }
        System.out.println("synthetic      built-in random images (smoke tests and benchmarks)");
        return 0;
    }
}
