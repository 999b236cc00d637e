package dev.sprig.cli;

import ai.djl.engine.EngineException;
import dev.sprig.Sprig;
import dev.sprig.SprigException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sprig} command: parses, calls one package, prints. User errors print one line and exit
 * with status 2; nothing a user can cause prints a stack trace.
 */
@Command(
        name = "sprig",
        mixinStandardHelpOptions = true,
        version = "sprig " + Sprig.VERSION,
        description = "Cheaper deep-network training through sparsity.",
        subcommands = {
            TrainCommand.class,
            EarlyBirdCommand.class,
            EpiCommand.class,
            EnsembleCommand.class,
            EvaluateCommand.class,
            ReportCommand.class,
            RecipesCommand.class,
            ExportCommand.class,
            ModelsCommand.class,
            DatasetsCommand.class,
            DownloadCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class SprigCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Builds the command line with Sprig's error handling.
     *
     * @return the configured command line
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SprigCommand());
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof TrainCommand train) {
                // Settings options are made from the registry and TrainConfig, per command.
                SettingOptions.add(sub.getCommandSpec(), train.families());
            }
        }
        cl.setOverwrittenOptionsAllowed(true);
        cl.setExecutionExceptionHandler(
                (ex, line, parse) -> {
                    PrintWriter err = line.getErr();
                    if (ex instanceof SprigException || ex instanceof EngineException) {
                        err.println("error: " + ex.getMessage());
                        if (System.getenv("SPRIG_DEBUG") != null) {
                            // Where an engine error came from, for bug reports; users see the one
                            // line.
                            ex.printStackTrace(err);
                        }
                        err.flush();
                        return 2;
                    }
                    throw ex;
                });
        cl.setParameterExceptionHandler(
                (ex, args) -> {
                    PrintWriter err = ex.getCommandLine().getErr();
                    err.println("error: " + ex.getMessage());
                    err.println(
                            "see `"
                                    + ex.getCommandLine().getCommandSpec().qualifiedName()
                                    + " --help`");
                    err.flush();
                    return 2;
                });
        return cl;
    }

    /**
     * Entry point.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        Sprig.forceOffline();
        System.exit(commandLine().execute(args));
    }
}
