package dev.sprig.cli;

import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.export.ModelImport;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sprig import FILE.pt --model NAME --dataset D}: a PyTorch network's weights into a run
 * folder ({@link ModelImport}).
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        abbreviateSynopsis = true,
        showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description =
                "Import a network trained in PyTorch (a torch.save state_dict or checkpoint, or a"
                        + " TorchScript file) into a zoo model: writes a run folder that evaluate,"
                        + " export, train/earlybird/epi --init-from and --prune-from start from.")
final class ImportCommand extends TrainCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "the .pt archive")
    Path archive;

    @Override
    List<String> families() {
        return List.of();
    }

    @Override
    public Integer call() {
        if (resume) {
            throw new SprigException(
                    "sprig import writes a new run folder; --resume does not apply");
        }
        TrainConfig config = resolve();
        config.validate();
        Path dir =
                out != null
                        ? out
                        : Path.of("runs", config.model + "-" + config.dataset + "-imported");
        DataSplits data = DataSplits.load(config.dataRequest(config.seed));
        RunSummary s =
                ModelImport.run(
                        archive,
                        config,
                        data,
                        dir,
                        overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW,
                        Sprig.device(config.device));
        System.out.printf(
                java.util.Locale.ROOT,
                "imported %s into %s: %d tensors, test accuracy %.4f, loss %.4f%n",
                archive,
                dir,
                ((Number) s.extra().get("imported_tensors")).intValue(),
                s.testAccuracy(),
                s.testLoss());
        return 0;
    }
}
