package dev.sprig.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training method as the {@link Methods} registry knows it: its name, the settings it reads and
 * how it runs. The command line, {@code config.yaml} and the Java API find a method here by name,
 * so a new method is one class and one registration, with no switch to edit.
 */
public interface Method {
    /**
     * Returns the registry key.
     *
     * @return the name, lower case (e.g. {@code rigl})
     */
    String name();

    /**
     * Returns the family the method belongs to: the command that runs it ({@code sprig earlybird}
     * runs the {@code earlybird} family) and the heading it is listed under.
     *
     * @return the family name, e.g. {@code sparse}, {@code earlybird}, {@code epi}, {@code
     *     ensemble}
     */
    String family();

    /**
     * Returns a one-line description for listings and help.
     *
     * @return the description
     */
    String description();

    /**
     * Returns the groups of settings the method reads besides {@link OptionGroup#SHARED}.
     *
     * @return option groups in help order
     */
    List<OptionGroup> options();

    /**
     * Returns the method's published settings: they sit under the config file and the flags, both
     * of which override them.
     *
     * @return config key to value; empty when the general defaults are the method's
     */
    default Map<String, Object> publishedDefaults() {
        return Map.of();
    }

    /**
     * Runs the method into a run folder.
     *
     * @param run config, data and folder
     * @return the run's summary (also written to the folder's {@code summary.json})
     */
    RunSummary run(MethodRun run);

    /**
     * Returns the line printed before a run starts.
     *
     * @param config the resolved config
     * @param dir the run folder
     * @return one line
     */
    default String startLine(TrainConfig config, Path dir) {
        return String.format(
                Locale.ROOT,
                "sprig train: %s on %s (%s), %d epochs -> %s",
                config.model,
                config.dataset,
                config.method,
                config.epochs,
                dir);
    }

    /**
     * Returns the line printed when a run has finished.
     *
     * @param summary the run's summary
     * @param dir the run folder
     * @return one line
     */
    default String resultLine(RunSummary summary, Path dir) {
        return String.format(
                Locale.ROOT,
                "test accuracy %.4f  test loss %.4f  train FLOPs %.3g (%.2fx dense)  wall %.1f s "
                        + " -> %s",
                summary.testAccuracy(),
                summary.testLoss(),
                summary.trainFlops(),
                summary.trainFlops() / summary.denseTrainFlops(),
                summary.wallSeconds(),
                dir.resolve("summary.json"));
    }
}
