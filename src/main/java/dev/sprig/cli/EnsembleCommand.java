package dev.sprig.cli;

import dev.sprig.SprigException;
import dev.sprig.ensemble.FreeTickets;
import dev.sprig.train.TrainConfig;
import java.util.Locale;
import picocli.CommandLine.Command;

/**
 * {@code sprig ensemble}: {@code sprig train} for the ensemble methods, with their published
 * defaults (FreeTickets) under the config file and the flags.
 */
@Command(name = "ensemble", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description = "Train an ensemble: --method dst-ensemble (default), edst-ensemble, pf-ensemble or dense-ensemble;"
                + " members are run folders member-1/, member-2/, ... inside --out.")
final class EnsembleCommand extends TrainCommand {
    @Override
    String defaultMethod() {
        return "dst-ensemble";
    }

    @Override
    TrainConfig resolve() {
        TrainConfig c = super.resolve();
        if (!FreeTickets.METHODS.contains(c.method.toLowerCase(Locale.ROOT))) {
            throw new SprigException("sprig ensemble trains " + String.join(", ", FreeTickets.METHODS) + "; got method " + c.method);
        }
        return c;
    }
}
