package dev.sprig.cli;

import ai.djl.engine.EngineException;
import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.train.Interruption;
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
            SweepCommand.class,
            EvaluateCommand.class,
            ReportCommand.class,
            RecipesCommand.class,
            ExportCommand.class,
            ImportCommand.class,
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
                    if (ex instanceof Interruption.Stopped stopped) {
                        err.println(stopped.getMessage());
                        err.flush();
                        return stopped.exitStatus();
                    }
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
     * Ctrl-C and SIGTERM stop a training at its next step boundary, after writing a checkpoint (the
     * trainer then says how to resume, and the process exits 130 or 143); a second signal, or one
     * while nothing trains, ends the process at once.
     */
    @SuppressWarnings("restriction")
    private static void stopCleanlyOnSignals() {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(
                        new sun.misc.Signal(name),
                        signal -> {
                            if (Interruption.requested() || !Interruption.training()) {
                                Runtime.getRuntime().halt(128 + signal.getNumber());
                            }
                            Interruption.request(signal.getName());
                            System.err.println(
                                    System.lineSeparator()
                                            + "stopping at the next step to write a checkpoint;"
                                            + " send the signal again to stop at once");
                        });
            } catch (IllegalArgumentException e) {
                // The platform does not deliver this signal (or the JVM reserves it): default
                // handling stays.
            }
        }
    }

    /**
     * Entry point.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        Sprig.forceOffline();
        stopCleanlyOnSignals();
        System.exit(commandLine().execute(args));
    }
}
