package dev.sprig.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code sprig recipes}: the published settings Sprig ships, with the figure each should reproduce.
 */
@Command(
        name = "recipes",
        mixinStandardHelpOptions = true,
        description =
                "List the recipes (published settings); run one with `sprig train --recipe NAME`.")
final class RecipesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (String n : Recipes.names()) {
            Recipes.Recipe r = Recipes.get(n);
            System.out.println(n);
            System.out.println("    " + r.source());
            System.out.println("    target: " + r.target());
        }
        return 0;
    }
}
