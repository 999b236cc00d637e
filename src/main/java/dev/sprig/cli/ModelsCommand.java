package dev.sprig.cli;

import dev.sprig.models.ModelZoo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Lists the model zoo. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "List the models Sprig can build.")
final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (String[] m : ModelZoo.catalogue()) {
            System.out.printf("%-36s %s%n", m[0], m[1]);
        }
        return 0;
    }
}
