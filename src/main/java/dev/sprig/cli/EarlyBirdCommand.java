package dev.sprig.cli;

import dev.sprig.earlybird.EarlyBirdMethods;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code sprig earlybird}: {@code sprig train} for the Early-Bird family (search → surgery →
 * retrain, or one of its baselines via {@code --method}); its help lists only its own options.
 */
@Command(
        name = "earlybird",
        mixinStandardHelpOptions = true,
        abbreviateSynopsis = true,
        showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description =
                "Early-Bird tickets: slimming search until the channel mask settles, shrink, train"
                        + " the ticket. --method earlybird-reinit or slimming run the baselines.")
final class EarlyBirdCommand extends TrainCommand {
    @Override
    String defaultMethod() {
        return "earlybird";
    }

    @Override
    List<String> families() {
        return List.of(EarlyBirdMethods.FAMILY);
    }
}
