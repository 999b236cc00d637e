package dev.sprig.cli;

import dev.sprig.epi.Epi;
import dev.sprig.epi.EpiMethods;
import dev.sprig.train.Method;
import dev.sprig.train.MethodRun;
import dev.sprig.train.RunSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sprig epi}: {@code sprig train} with the EPI pipeline as the method (warm-up → trigger →
 * surgery → training of the pruned network), optionally next to the oracle grid of fixed pruning
 * epochs.
 */
@Command(
        name = "epi",
        mixinStandardHelpOptions = true,
        abbreviateSynopsis = true,
        showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description =
                "Early structural pruning: prune when the Early Pruning Indicator says the dominant"
                    + " sub-network has settled; --oracle-epochs also prunes at each fixed epoch,"
                    + " for comparison.")
final class EpiCommand extends TrainCommand {
    @Option(
            names = "--oracle-epochs",
            split = ",",
            description = "also prune at each of these epochs (0 = at init), e.g. 0,1,2,4,8")
    List<Integer> oracle = new ArrayList<>();

    @Override
    String defaultMethod() {
        return EpiMethods.FAMILY;
    }

    @Override
    List<String> families() {
        return List.of(EpiMethods.FAMILY);
    }

    @Override
    void run(Method method, MethodRun run) {
        if (oracle.isEmpty()) {
            super.run(method, run);
            return;
        }
        List<RunSummary> runs =
                Epi.grid(run.config(), run.data(), run.dir(), run.mode(), oracle, run.progress());
        for (int i = 0; i < runs.size(); i++) {
            RunSummary r = runs.get(i);
            System.out.printf(
                    Locale.ROOT,
                    "%-10s prune epoch %-5s test accuracy %.4f  train FLOPs %.2fx dense  wall %.1f"
                            + " s%n",
                    i == 0 ? "epi" : "epoch-" + oracle.get(i - 1),
                    r.extra().getOrDefault("prune_epoch", "-"),
                    r.testAccuracy(),
                    r.trainFlops() / r.denseTrainFlops(),
                    r.wallSeconds());
        }
    }
}
