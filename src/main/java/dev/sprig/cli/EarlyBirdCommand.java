package dev.sprig.cli;

import dev.sprig.SprigException;
import dev.sprig.earlybird.EarlyBird;
import dev.sprig.train.TrainConfig;
import java.util.Locale;
import picocli.CommandLine.Command;

/**
 * {@code sprig earlybird}: {@code sprig train} with the Early-Bird pipeline as the method
 * (search → surgery → retrain), or one of its baselines via {@code --method}.
 */
@Command(name = "earlybird", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description = "Early-Bird tickets: slimming search until the channel mask settles, shrink, train the ticket."
                + " --method earlybird-reinit or slimming run the baselines.")
final class EarlyBirdCommand extends TrainCommand {
    @Override
    TrainConfig resolve() {
        TrainConfig c = super.resolve();
        if (!EarlyBird.METHODS.contains(c.method.toLowerCase(Locale.ROOT))) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--method")) {
                throw new SprigException("sprig earlybird runs " + String.join(", ", EarlyBird.METHODS) + "; got --method " + method);
            }
            c.method = "earlybird";
        }
        return c;
    }
}
