package dev.sprig.cli;

import dev.sprig.data.DataRoot;
import dev.sprig.data.Downloader;
import dev.sprig.data.KnownDataset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Downloads canonical data files and verifies their checksums (the only networked command). */
@Command(
        name = "download",
        mixinStandardHelpOptions = true,
        description = "Download a data set's canonical files and verify their MD5 checksums.")
final class DownloadCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DATASET", description = "mnist, fashion-mnist, cifar-10 or cifar-100")
    String dataset;

    @Option(
            names = "--data-dir",
            description = "data root (default: $SPRIG_DATA, else ~/.sprig/data)")
    String dataDir;

    @Override
    public Integer call() {
        KnownDataset d = KnownDataset.of(dataset);
        Path dir = new Downloader().download(d, DataRoot.resolve(dataDir));
        System.out.println(d.key() + " ready in " + dir);
        return 0;
    }
}
