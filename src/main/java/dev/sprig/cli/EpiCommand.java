package dev.sprig.cli;

import dev.sprig.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sprig epi}: {@code sprig train} with the EPI pipeline as the method (warm-up → trigger →
 * surgery → training of the pruned network), optionally next to the oracle grid of fixed
 * pruning epochs.
 */
@Command(name = "epi", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description = "Early structural pruning: prune when the Early Pruning Indicator says the dominant sub-network"
                + " has settled; --oracle-epochs also prunes at each fixed epoch, for comparison.")
final class EpiCommand extends TrainCommand {
    @Option(names = "--oracle-epochs", split = ",", description = "also prune at each of these epochs (0 = at init), e.g. 0,1,2,4,8")
    List<Integer> oracle = new ArrayList<>();

    @Override
    TrainConfig resolve() {
        TrainConfig c = super.resolve();
        c.method = "epi";
        return c;
    }

    @Override
    List<Integer> oracleEpochs() {
        return oracle;
    }
}
