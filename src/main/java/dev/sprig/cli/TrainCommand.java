package dev.sprig.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sprig.SprigException;
import dev.sprig.data.DataRoot;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Json;
import dev.sprig.train.Method;
import dev.sprig.train.MethodRun;
import dev.sprig.train.Methods;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sprig train}: one training run into a run folder.
 *
 * <p>Options named like config keys ({@code --batch-size} ↔ {@code batch_size}) override the YAML
 * file given by {@code --config}; their help defaults are read from {@link TrainConfig}, so the
 * help text and the config cannot disagree.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        abbreviateSynopsis = true,
        showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description =
                "Train a model; writes config.yaml, metrics.jsonl, summary.json and checkpoints to"
                        + " --out.")
class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", description = "YAML config; flags override its values")
    Path configFile;

    @Option(
            names = "--recipe",
            description = "start from a published setting (see `sprig recipes`); flags override it")
    String recipe;

    @Option(
            names = "--out",
            description = "output folder (default: runs/<model>-<dataset>-<method>-seed<seed>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
    boolean resume;

    @Option(names = "--overwrite", description = "replace a run already in --out")
    boolean overwrite;

    @Option(names = "--quiet", description = "print only the summary")
    boolean quiet;

    private static final List<String> NOT_CONFIG =
            List.of(
                    "config",
                    "recipe",
                    "out",
                    "resume",
                    "overwrite",
                    "quiet",
                    "help",
                    "version",
                    "oracle_epochs");

    @Override
    public Integer call() {
        Path[] dir = new Path[1];
        int rc = train(dir);
        if (rc == 0 && java.nio.file.Files.isRegularFile(dir[0].resolve("summary.json"))) {
            // The run's plots, beside its figures (sprig report compares several runs).
            dev.sprig.report.Report.writeRunPlots(dir[0]);
        }
        return rc;
    }

    private int train(Path[] where) {
        if (resume && overwrite) {
            throw new SprigException("--resume and --overwrite exclude each other");
        }
        TrainConfig config = resolve();
        Path dir =
                out != null
                        ? out
                        : Path.of(
                                "runs",
                                config.model
                                        + "-"
                                        + config.dataset
                                        + "-"
                                        + config.method
                                        + "-seed"
                                        + config.seed);
        where[0] = dir;
        if (resume) {
            // The run continues with the configuration it started with; flags may not change it.
            config = Json.readConfig(dir.resolve("config.yaml"));
        }
        config.validate();
        Method method = Methods.get(config.method);
        DataSplits data =
                DataSplits.load(
                        config.dataset,
                        DataRoot.resolve(config.dataDir),
                        config.validationFraction,
                        config.seed);
        if (!quiet) {
            System.out.println(method.startLine(config, dir));
        }
        RunFolder.Mode mode =
                resume
                        ? RunFolder.Mode.RESUME
                        : overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW;
        run(
                method,
                new MethodRun(
                        config,
                        data,
                        dir,
                        mode,
                        quiet ? Progress.silent() : Progress.auto(System.out)));
        return 0;
    }

    /**
     * Runs the method and prints its result line; {@code sprig epi} adds its oracle grid here.
     *
     * @param method the resolved method
     * @param run config, data and folder
     */
    void run(Method method, MethodRun run) {
        RunSummary summary = method.run(run);
        System.out.println(method.resultLine(summary, run.dir()));
    }

    /**
     * Returns the method families this command runs, for its {@code --help} and its check of {@code
     * --method}.
     *
     * @return family names; every registered family for {@code sprig train}
     */
    List<String> families() {
        List<String> f = new ArrayList<>();
        for (Method m : Methods.all()) {
            if (!f.contains(m.family())) {
                f.add(m.family());
            }
        }
        return f;
    }

    /** Starts from the YAML file (or defaults) and applies every option the user typed. */
    TrainConfig resolve() {
        if (configFile != null && recipe != null) {
            throw new SprigException(
                    "--config and --recipe exclude each other (a recipe is a config file)");
        }
        String baseText = null;
        TrainConfig config;
        if (recipe != null) {
            Recipes.Recipe r = Recipes.get(recipe);
            baseText = r.yaml();
            config = Json.readConfig(baseText, "recipe " + r.name());
        } else if (configFile != null) {
            config = Json.readConfig(configFile);
            baseText = readText(configFile);
        } else {
            config = new TrainConfig();
        }
        ObjectNode overrides = Json.JSON.createObjectNode();
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            String key = key(o);
            if (NOT_CONFIG.contains(key) || !pr.hasMatchedOption(o)) {
                continue;
            }
            overrides.set(key, Json.JSON.valueToTree(o.getValue()));
        }
        try {
            if (!overrides.has("method")
                    && defaultMethod() != null
                    && (baseText == null || !fileKeys(baseText).contains("method"))) {
                overrides.put("method", defaultMethod());
            }
            String method =
                    overrides.has("method") ? overrides.get("method").asText() : config.method;
            Map<String, Object> defaults =
                    Methods.contains(method) ? Methods.get(method).publishedDefaults() : Map.of();
            if (!defaults.isEmpty()) {
                // A method's published settings sit under the config file and the flags: both
                // override them.
                Set<String> fromFile = baseText == null ? Set.of() : fileKeys(baseText);
                ObjectNode methodDefaults = Json.JSON.createObjectNode();
                defaults.forEach(
                        (k, v) -> {
                            if (!fromFile.contains(k)) {
                                methodDefaults.set(k, Json.JSON.valueToTree(v));
                            }
                        });
                config = Json.JSON.readerForUpdating(config).readValue(methodDefaults);
            }
            TrainConfig resolved = Json.JSON.readerForUpdating(config).readValue(overrides);
            requireOwnFamily(resolved.method);
            return resolved;
        } catch (IOException e) {
            throw new SprigException("bad option value: " + e.getMessage().split("\n")[0]);
        }
    }

    private void requireOwnFamily(String name) {
        Method m = Methods.get(name);
        if (!families().contains(m.family())) {
            List<String> own = new ArrayList<>();
            for (String f : families()) {
                Methods.family(f).forEach(x -> own.add(x.name()));
            }
            throw new SprigException(
                    "sprig "
                            + spec.name()
                            + " trains "
                            + String.join(", ", own)
                            + "; got method "
                            + name
                            + " (run it with sprig train)");
        }
    }

    /**
     * @return the method a subcommand trains when neither the flags nor the config file name one
     */
    String defaultMethod() {
        return null;
    }

    private static Set<String> fileKeys(String yaml) {
        return Json.configKeys(yaml, "config");
    }

    private static String readText(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (IOException e) {
            throw new SprigException("cannot read config " + file + ": " + e.getMessage());
        }
    }

    static String key(CommandLine.Model.OptionSpec o) {
        return o.longestName().replaceFirst("^--", "").replace('-', '_');
    }

    /** Supplies help defaults from a default {@link TrainConfig}. */
    static final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
        private static final JsonNode DEFAULTS = Json.JSON.valueToTree(new TrainConfig());

        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            if (!(arg instanceof CommandLine.Model.OptionSpec o)) {
                return null;
            }
            if (key(o).equals("method")
                    && o.command() != null
                    && o.command().userObject() instanceof TrainCommand t
                    && t.defaultMethod() != null) {
                return t.defaultMethod(); // a family command's own method
            }
            JsonNode v = DEFAULTS.get(key(o));
            if (v == null || v.isNull() || (v.isContainerNode() && v.isEmpty())) {
                return null;
            }
            if (v.isArray()) {
                List<String> items = new java.util.ArrayList<>();
                v.forEach(item -> items.add(item.asText()));
                return String.join(",", items);
            }
            return v.asText();
        }
    }
}
