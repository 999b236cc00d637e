package dev.sprig.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sprig.SprigException;
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
        java.util.Set<Path> existing = new java.util.HashSet<>();
        int rc;
        try {
            rc = train(dir, existing);
        } catch (SprigException | ai.djl.engine.EngineException e) {
            if (dir[0] != null
                    && !existing.contains(dir[0])
                    && !(e instanceof dev.sprig.train.Interruption.Stopped)) {
                removeFailedStart(dir[0]);
            }
            throw e;
        }
        if (rc == 0 && java.nio.file.Files.isRegularFile(dir[0].resolve("summary.json"))) {
            // The run's plots, beside its figures (sprig report compares several runs).
            dev.sprig.report.Report.writeRunPlots(dir[0]);
        }
        return rc;
    }

    /**
     * A run that failed before it wrote its config leaves no folder behind (only empty folders, the
     * lock and temporaries can be there), so the corrected command starts afresh.
     */
    private static void removeFailedStart(Path dir) {
        if (!java.nio.file.Files.isDirectory(dir)
                || java.nio.file.Files.exists(dir.resolve("config.yaml"))) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(dir)) {
            List<Path> all = walk.sorted(java.util.Comparator.reverseOrder()).toList();
            boolean onlyScaffolding =
                    all.stream()
                            .allMatch(
                                    p ->
                                            java.nio.file.Files.isDirectory(p)
                                                    || p.getFileName().toString().equals(".lock")
                                                    || p.getFileName().toString().endsWith(".tmp"));
            if (onlyScaffolding) {
                for (Path p : all) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // Leaving an empty folder is harmless: it does not count as holding a run.
        }
    }

    private int train(Path[] where, java.util.Set<Path> existing) {
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
        if (java.nio.file.Files.exists(dir)) {
            existing.add(dir);
        }
        boolean startOver = false;
        if (resume
                && !java.nio.file.Files.isRegularFile(dir.resolve("config.yaml"))
                && java.nio.file.Files.isDirectory(dir)
                && !RunFolder.holdsRun(dir)) {
            // Killed before it wrote anything: the resume is the run itself, from the beginning.
            System.err.println(
                    "nothing was written in "
                            + dir
                            + " before the run stopped: starting it from the"
                            + " beginning");
            startOver = true;
        } else if (resume) {
            // The run continues with the configuration it started with, less what may change.
            config = resumedConfig(dir);
        }
        config.validate();
        Method method = Methods.get(config.method);
        DataSplits data = DataSplits.load(config.dataRequest(config.seed));
        if (!quiet) {
            System.out.println(method.startLine(config, dir));
        }
        RunFolder.Mode mode =
                startOver
                        ? RunFolder.Mode.OVERWRITE
                        : resume
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
        ObjectNode overrides = typedSettings();
        try {
            if (!overrides.has("method")
                    && defaultMethod() != null
                    && (baseText == null || !fileKeys(baseText).contains("method"))) {
                overrides.put("method", defaultMethod());
            }
            // A method's published settings sit under the config file and the flags.
            TrainConfig resolved = Json.layered(config, baseText, overrides);
            requireOwnFamily(resolved.method);
            return resolved;
        } catch (IOException e) {
            throw new SprigException("bad option value: " + e.getMessage().split("\n")[0]);
        }
    }

    /** The settings the user typed as flags, by config key. */
    private ObjectNode typedSettings() {
        ObjectNode typed = Json.JSON.createObjectNode();
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            String key = key(o);
            if (NOT_CONFIG.contains(key) || !pr.hasMatchedOption(o)) {
                continue;
            }
            typed.set(key, Json.JSON.valueToTree(o.getValue()));
        }
        return typed;
    }

    /**
     * Settings a resumed run may change: a longer schedule, a lower learning rate after a
     * divergence, and where and how fast it runs. Anything else would make the resumed run a
     * different run than the one its checkpoint belongs to.
     */
    static final List<String> RESUMABLE =
            List.of(
                    "epochs",
                    "lr",
                    "threads",
                    "device",
                    "data_dir",
                    "eval_batch_size",
                    "checkpoint_every");

    /**
     * Reads the run's own config and applies the flags that may change on resume, recording them in
     * {@code provenance.json}; refuses any other change, naming the keys.
     */
    private TrainConfig resumedConfig(Path dir) {
        if (configFile != null || recipe != null) {
            throw new SprigException(
                    "--resume continues the run with its own config.yaml; give the settings"
                            + " that may change ("
                            + String.join(", ", RESUMABLE)
                            + ") as flags");
        }
        Path file = dir.resolve("config.yaml");
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new SprigException("nothing to resume: no run in " + dir);
        }
        TrainConfig saved = Json.readConfig(file);
        ObjectNode flags = typedSettings();
        // A changed method is named on its own; the rest compares the run's settings.
        String method = flags.has("method") ? flags.remove("method").asText() : null;
        TrainConfig wanted;
        try {
            wanted = Json.JSON.readerForUpdating(saved.copy()).readValue(flags);
        } catch (IOException e) {
            throw new SprigException("bad option value: " + e.getMessage().split("\n")[0]);
        }
        JsonNode before = Json.JSON.valueToTree(saved);
        JsonNode after = Json.JSON.valueToTree(wanted);
        Map<String, Object> changes = new java.util.LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        after.fieldNames()
                .forEachRemaining(
                        k -> {
                            if (!after.get(k).equals(before.get(k))) {
                                changes.put(k, Map.of("from", before.get(k), "to", after.get(k)));
                                if (!RESUMABLE.contains(k)) {
                                    refused.add(
                                            k + " (" + before.get(k) + " -> " + after.get(k) + ")");
                                }
                            }
                        });
        if (method != null && !method.equalsIgnoreCase(saved.method)) {
            refused.add(0, "method (" + saved.method + " -> " + method + ")");
        }
        if (!refused.isEmpty()) {
            throw new SprigException(
                    "--resume cannot change "
                            + String.join(", ", refused)
                            + "; it may change "
                            + String.join(", ", RESUMABLE));
        }
        if (changes.isEmpty()) {
            return saved;
        }
        if (wanted.epochs < saved.epochs) {
            throw new SprigException(
                    "a resumed run may lengthen its schedule, not shorten it: epochs "
                            + saved.epochs
                            + " -> "
                            + wanted.epochs);
        }
        if (!(Methods.get(saved.method) instanceof dev.sprig.train.HookMethod)) {
            throw new SprigException(
                    saved.method
                            + " resumes its phases with the settings they started with;"
                            + " --resume can change settings of single training runs only");
        }
        wanted.validate();
        RunFolder.open(dir, RunFolder.Mode.RESUME); // lock before changing anything
        recordResumeChanges(dir, changes);
        RunFolder.writeAtomic(file, Json.toYaml(wanted));
        System.err.println(
                "resuming with "
                        + String.join(", ", changes.keySet())
                        + " changed (recorded in "
                        + dir.resolve("provenance.json")
                        + ")");
        return wanted;
    }

    private static void recordResumeChanges(Path dir, Map<String, Object> changes) {
        Path file = dir.resolve("provenance.json");
        ObjectNode provenance;
        try {
            provenance =
                    java.nio.file.Files.isRegularFile(file)
                            ? (ObjectNode) Json.JSON.readTree(file.toFile())
                            : Json.JSON.createObjectNode();
        } catch (IOException | ClassCastException e) {
            throw new SprigException("cannot read " + file + ": " + e.getMessage());
        }
        ObjectNode entry = Json.JSON.createObjectNode();
        entry.put("at", java.time.Instant.now().toString());
        entry.set("changes", Json.JSON.valueToTree(changes));
        if (!provenance.has("resume_changes") || !provenance.get("resume_changes").isArray()) {
            provenance.putArray("resume_changes");
        }
        ((com.fasterxml.jackson.databind.node.ArrayNode) provenance.get("resume_changes"))
                .add(entry);
        RunFolder.writeAtomic(file, Json.pretty(provenance) + "\n");
    }

    private void requireOwnFamily(String name) {
        Method m = Methods.get(name);
        if (families().isEmpty()) {
            return; // a command that reads the shared settings but trains nothing (import)
        }
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
