package dev.sprig.cli;

import dev.sprig.ensemble.EnsembleMethods;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code sprig ensemble}: {@code sprig train} for the ensemble family, with their published
 * defaults (FreeTickets) under the config file and the flags.
 */
@Command(
        name = "ensemble",
        mixinStandardHelpOptions = true,
        abbreviateSynopsis = true,
        showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description =
                "Train an ensemble: --method dst-ensemble (default), edst-ensemble, pf-ensemble or"
                    + " dense-ensemble; members are run folders member-1/, member-2/, ... inside"
                    + " --out.")
final class EnsembleCommand extends TrainCommand {
    @Override
    String defaultMethod() {
        return "dst-ensemble";
    }

    @Override
    List<String> families() {
        return List.of(EnsembleMethods.FAMILY);
    }
}
