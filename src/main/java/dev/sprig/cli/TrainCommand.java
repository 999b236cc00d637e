package dev.sprig.cli;

import java.util.Set;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sprig.SprigException;
import dev.sprig.data.DataRoot;
import dev.sprig.data.DataSplits;
import dev.sprig.ensemble.FreeTickets;
import dev.sprig.sparse.LotteryTicketSearch;
import dev.sprig.sparse.SparseMethods;
import dev.sprig.train.Json;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import dev.sprig.Sprig;
import dev.sprig.earlybird.EarlyBird;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.sparse.exec.ExecutionPath;
import dev.sprig.sparse.exec.SparseMlpTrainer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sprig train}: one training run into a run folder.
 *
 * <p>Options named like config keys ({@code --batch-size} ↔ {@code batch_size}) override the
 * YAML file given by {@code --config}; their help defaults are read from {@link TrainConfig}, so
 * the help text and the config cannot disagree.
 */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = TrainCommand.ConfigDefaults.class,
        description = "Train a model; writes config.yaml, metrics.jsonl, summary.json and checkpoints to --out.")
class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", description = "YAML config; flags override its values")
    Path configFile;

    @Option(names = "--recipe", description = "start from a published setting (see `sprig recipes`); flags override it")
    String recipe;

    @Option(names = "--out", description = "output folder (default: runs/<model>-<dataset>-<method>-seed<seed>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
    boolean resume;

    @Option(names = "--overwrite", description = "replace a run already in --out")
    boolean overwrite;

    @Option(names = "--quiet", description = "print only the summary")
    boolean quiet;

    @Option(names = "--method", description = "dense, static, snip, gmp, set, snfs, rigl, lth, pf, earlybird, earlybird-reinit, slimming, epi, dst-ensemble, edst-ensemble, pf-ensemble, dense-ensemble") String method;
    @Option(names = "--model", description = "model, see `sprig models`") String model;
    @Option(names = "--width-multiplier", description = "scale of hidden widths") Double widthMultiplier;
    @Option(names = "--dataset", description = "mnist, fashion-mnist, cifar-10, cifar-100, synthetic") String dataset;
    @Option(names = "--data-dir", description = "data root (default: $SPRIG_DATA, else ~/.sprig/data)") String dataDir;
    @Option(names = "--validation-fraction", description = "training fraction held out for validation") Double validationFraction;
    @Option(names = "--augment", description = "auto (CIFAR only), on, off") String augment;
    @Option(names = "--epochs", description = "epochs") Integer epochs;
    @Option(names = "--batch-size", description = "mini-batch size") Integer batchSize;
    @Option(names = "--eval-batch-size", description = "evaluation batch size") Integer evalBatchSize;
    @Option(names = "--max-steps-per-epoch", description = "cut epochs short (0 = full); smoke runs") Integer maxStepsPerEpoch;
    @Option(names = "--lr", description = "base learning rate") Double lr;
    @Option(names = "--lr-schedule", description = "constant, step, multistep, cosine") String lrSchedule;
    @Option(names = "--lr-milestones", split = ",", description = "multistep epochs, e.g. 80,120") List<Integer> lrMilestones;
    @Option(names = "--lr-step-epochs", description = "epochs between step decays") Integer lrStepEpochs;
    @Option(names = "--lr-gamma", description = "decay factor") Double lrGamma;
    @Option(names = "--warmup-epochs", description = "linear warm-up epochs") Double warmupEpochs;
    @Option(names = "--momentum", description = "SGD momentum") Double momentum;
    @Option(names = "--nesterov", arity = "0..1", description = "Nesterov momentum") Boolean nesterov;
    @Option(names = "--weight-decay", description = "L2 weight decay") Double weightDecay;
    @Option(names = "--label-smoothing", description = "label smoothing") Double labelSmoothing;
    @Option(names = "--bn-gamma-init", description = "initial batch-norm scale") Double bnGammaInit;
    @Option(names = "--seed", description = "seed of all randomness") Long seed;
    @Option(names = "--device", description = "auto, cpu, gpu, gpu:N") String device;
    @Option(names = "--threads", description = "engine threads (0 = engine default)") Integer threads;
    @Option(names = "--checkpoint-every", description = "also checkpoint every N steps (0 = epoch ends)") Integer checkpointEvery;
    @Option(names = "--sparsity", description = "overall sparsity of prunable weights, in [0, 1)") Double sparsity;
    @Option(names = "--distribution", description = "layer densities: erk, er, uniform") String distribution;
    @Option(names = "--first-layer-dense", arity = "0..1", description = "uniform: first layer dense") Boolean firstLayerDense;
    @Option(names = "--last-layer-dense", arity = "0..1", description = "uniform: output layer dense") Boolean lastLayerDense;
    @Option(names = "--layer-densities", split = ",", description = "explicit densities, e.g. fc1=0.05,fc3=1") Map<String, Double> layerDensities;
    @Option(names = "--update-interval", description = "steps between mask updates (ΔT)") Integer updateInterval;
    @Option(names = "--drop-fraction", description = "fraction dropped per update (α)") Double dropFraction;
    @Option(names = "--drop-schedule", description = "cosine or constant") String dropSchedule;
    @Option(names = "--begin-fraction", description = "first mask update, fraction of steps") Double beginFraction;
    @Option(names = "--end-fraction", description = "last mask update T_end, fraction of steps") Double endFraction;
    @Option(names = "--momentum-policy", description = "momentum of regrown weights: zero or keep") String momentumPolicy;
    @Option(names = "--skip-update-step", arity = "0..1", description = "skip the optimiser step on update steps (default: RigL yes, others no)") Boolean skipUpdateStep;
    @Option(names = "--grow-init", description = "regrown weights: zero or random_normal") String growInit;
    @Option(names = "--reinit-when-same", arity = "0..1", description = "re-initialise connections dropped and regrown in one update") Boolean reinitWhenSame;
    @Option(names = "--snfs-decay", description = "SNFS gradient-average decay") Double snfsDecay;
    @Option(names = "--prune-ratio", description = "Early-Bird/slimming: fraction of channels pruned") Double pruneRatio;
    @Option(names = "--eb-ratios", split = ",", description = "Early-Bird: ratios searched together") List<Double> ebRatios;
    @Option(names = "--eb-epsilon", description = "Early-Bird: mask-distance threshold ε") Double ebEpsilon;
    @Option(names = "--eb-queue", description = "Early-Bird: masks in the distance queue") Integer ebQueue;
    @Option(names = "--eb-per-layer", arity = "0..1", description = "Early-Bird: per-layer |γ| thresholds") Boolean ebPerLayer;
    @Option(names = "--eb-distance-matrix", arity = "0..1", description = "Early-Bird: write eb_distances.json") Boolean ebDistanceMatrix;
    @Option(names = "--eb-low-precision", arity = "0..1", description = "Early-Bird: 8-bit block floating-point search") Boolean ebLowPrecision;
    @Option(names = "--bn-l1", description = "L1 on batch-norm scales (default 1e-4 for earlybird/slimming)") Double bnL1;
    @Option(names = "--finetune-epochs", description = "slimming, pf-ensemble: fine-tuning epochs (0 = epochs/4)") Integer finetuneEpochs;
    @Option(names = "--members", description = "ensembles: members M") Integer members;
    @Option(names = "--workers", description = "ensembles: members trained at once, each in its own process") Integer workers;
    @Option(names = "--ensemble-growth", description = "DST/EDST ensembles: gradient, random or momentum growth") String ensembleGrowth;
    @Option(names = "--edst-explore-epochs", description = "EDST: exploration epochs (default: a third of epochs)") Integer edstExploreEpochs;
    @Option(names = "--edst-refine-lr", description = "EDST: refinement lr, /10 half-way through each phase") Double edstRefineLr;
    @Option(names = "--exploration-fraction", description = "EDST: fraction q replaced at each global exploration") Double explorationFraction;
    @Option(names = "--exploration-epochs", split = ",", description = "epochs that start with a global exploration jump") List<Integer> explorationEpochs;
    @Option(names = "--prune-from", description = "pf: trained dense run folder or checkpoint to prune and fine-tune") String pruneFrom;
    @Option(names = "--pf-lr", description = "pf-ensemble: constant fine-tuning lr") Double pfLr;
    @Option(names = "--epi-importance", description = "EPI: l2norm, bn, taylor, l1") String epiImportance;
    @Option(names = "--epi-budget", description = "EPI: flops, params or latency (measured on this device)") String epiBudget;
    @Option(names = "--epi-budget-fraction", description = "EPI: fraction of the full resource kept") Double epiBudgetFraction;
    @Option(names = "--epi-window", description = "EPI: past architectures averaged (r)") Integer epiWindow;
    @Option(names = "--epi-tau", description = "EPI: threshold τ (default by importance: 0.983 magnitude, 0.944 taylor)") Double epiTau;
    @Option(names = "--epi-monotone", description = "EPI: must exceed its last N values") Integer epiMonotone;
    @Option(names = "--epi-strict", arity = "0..1", description = "EPI: strict monotonicity") Boolean epiStrict;
    @Option(names = "--epi-prune-epoch", description = "EPI: prune at this fixed epoch (0 = at init, -1 = EPI decides)") Integer epiPruneEpoch;
    @Option(names = "--exec", description = "auto, sparse (CSR kernels, MLPs) or dense (masked)") String exec;
    @Option(names = "--lth-rounds", description = "LTH: pruning rounds after the dense round") Integer lthRounds;
    @Option(names = "--rewind-step", description = "LTH: step whose weights each round rewinds to") Long rewindStep;
    @Option(names = "--mask-history-every", description = "record changed connections every N updates (0 = off)") Integer maskHistoryEvery;

    private static final List<String> NOT_CONFIG =
            List.of("config", "recipe", "out", "resume", "overwrite", "quiet", "help", "version", "oracle_epochs");

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
        Path dir = out != null ? out : Path.of("runs", config.model + "-" + config.dataset + "-" + config.method + "-seed" + config.seed);
        where[0] = dir;
        if (resume) {
            // The run continues with the configuration it started with; flags may not change it.
            config = Json.readConfig(dir.resolve("config.yaml"));
        }
        config.validate();
        boolean lth = config.method.equalsIgnoreCase(SparseMethods.LTH);
        if (EarlyBird.METHODS.contains(config.method.toLowerCase(Locale.ROOT))) {
            DataSplits data = DataSplits.load(config.dataset, DataRoot.resolve(config.dataDir), config.validationFraction, config.seed);
            if (!quiet) {
                System.out.printf("sprig %s: %s on %s, prune ratio %.2f, %d epochs -> %s%n", config.method, config.model,
                        config.dataset, config.pruneRatio, config.epochs, dir);
            }
            RunSummary summary = EarlyBird.run(config, data, dir,
                    resume ? RunFolder.Mode.RESUME : overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW,
                    quiet ? Progress.silent() : Progress.auto(System.out));
            System.out.printf(Locale.ROOT, "ticket epoch %s  channels kept %.1f%% of params  test accuracy %.4f  train FLOPs %.3g"
                            + " (%.2fx dense)  wall %.1f s  -> %s%n",
                    summary.extra().getOrDefault("eb_epoch", "-"), 100 * (1 - summary.sparsity()), summary.testAccuracy(),
                    summary.trainFlops(), summary.trainFlops() / summary.denseTrainFlops(), summary.wallSeconds(),
                    dir.resolve("summary.json"));
            return 0;
        }
        if (config.method.equalsIgnoreCase("epi")) {
            return runEpi(config, dir);
        }
        if (FreeTickets.METHODS.contains(config.method.toLowerCase(Locale.ROOT))) {
            return runEnsemble(config, dir);
        }
        if (!lth) {
            SparseMethods.hooksFor(config); // fail on an unknown method before touching the folder
        }
        RunFolder folder = RunFolder.open(dir, resume ? RunFolder.Mode.RESUME : overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW);
        DataSplits data = DataSplits.load(config.dataset, DataRoot.resolve(config.dataDir), config.validationFraction, config.seed);
        if (!quiet) {
            System.out.printf("sprig train: %s on %s (%s), %d epochs -> %s%n", config.model, config.dataset, config.method,
                    config.epochs, dir);
        }
        Progress progress = quiet ? Progress.silent() : Progress.auto(System.out);
        RunSummary summary;
        if (lth) {
            summary = LotteryTicketSearch.run(config, data, folder, resume, progress);
        } else if (sparsePath(config, data)) {
            summary = new SparseMlpTrainer(config, data, folder, resume).progress(progress).run();
        } else {
            summary = new Trainer(config, data, folder, SparseMethods.hooksFor(config), resume).progress(progress).run();
        }
        System.out.printf(Locale.ROOT, "test accuracy %.4f  test loss %.4f  train FLOPs %.3g (%.2fx dense)  wall %.1f s  -> %s%n",
                summary.testAccuracy(), summary.testLoss(), summary.trainFlops(),
                summary.trainFlops() / summary.denseTrainFlops(), summary.wallSeconds(), folder.summary());
        return 0;
    }

    /** Oracle epochs of {@code sprig epi}; empty for {@code sprig train --method epi}. */
    List<Integer> oracleEpochs() {
        return List.of();
    }

    private Integer runEpi(TrainConfig config, Path dir) {
        DataSplits data = DataSplits.load(config.dataset, DataRoot.resolve(config.dataDir), config.validationFraction, config.seed);
        RunFolder.Mode mode = resume ? RunFolder.Mode.RESUME : overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW;
        Progress progress = quiet ? Progress.silent() : Progress.auto(System.out);
        List<RunSummary> runs = oracleEpochs().isEmpty()
                ? List.of(dev.sprig.epi.Epi.run(config, data, dir, mode, progress))
                : dev.sprig.epi.Epi.grid(config, data, dir, mode, oracleEpochs(), progress);
        for (int i = 0; i < runs.size(); i++) {
            RunSummary r = runs.get(i);
            System.out.printf(Locale.ROOT, "%-10s prune epoch %-5s test accuracy %.4f  train FLOPs %.2fx dense  wall %.1f s%n",
                    i == 0 ? "epi" : "epoch-" + oracleEpochs().get(i - 1), r.extra().getOrDefault("prune_epoch", "-"),
                    r.testAccuracy(), r.trainFlops() / r.denseTrainFlops(), r.wallSeconds());
        }
        return 0;
    }

    private Integer runEnsemble(TrainConfig config, Path dir) {
        DataSplits data = DataSplits.load(config.dataset, DataRoot.resolve(config.dataDir), config.validationFraction, config.seed);
        Progress progress = quiet ? Progress.silent() : Progress.auto(System.out);
        RunFolder.Mode mode = resume ? RunFolder.Mode.RESUME : overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW;
        if (!quiet) {
            System.out.printf("sprig %s: %d members of %s on %s, %d epochs -> %s%n", config.method, config.members, config.model,
                    config.dataset, config.epochs, dir);
        }
        RunSummary s = FreeTickets.run(config, data, dir, mode, progress);
        System.out.printf("%s: ensemble test accuracy %.4f, NLL %.4f, ECE %.4f; training FLOPs %.2fx one dense model; %s%n",
                s.method(), s.testAccuracy(), s.testLoss(), ((Number) s.extra().get("test_ece")).doubleValue(),
                s.trainFlops() / s.denseTrainFlops(), dir.resolve("summary.json"));
        return 0;
    }

    private static boolean sparsePath(TrainConfig config, DataSplits data) {
        var s = data.train();
        List<LayerSpec> specs = ModelZoo.specs(config.model, s.channels(), s.height(), s.classes(), config.widthMultiplier);
        return ExecutionPath.choose(config, specs, Sprig.device(config.device)) == ExecutionPath.SPARSE;
    }

    /** Starts from the YAML file (or defaults) and applies every option the user typed. */
    TrainConfig resolve() {
        if (configFile != null && recipe != null) {
            throw new SprigException("--config and --recipe exclude each other (a recipe is a config file)");
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
            if (!overrides.has("method") && defaultMethod() != null
                    && (baseText == null || !fileKeys(baseText).contains("method"))) {
                overrides.put("method", defaultMethod());
            }
            String method = overrides.has("method") ? overrides.get("method").asText() : config.method;
            Map<String, Object> defaults = FreeTickets.defaults(method);
            if (!defaults.isEmpty()) {
                // A method's published settings sit under the config file and the flags: both override them.
                Set<String> fromFile = baseText == null ? Set.of() : fileKeys(baseText);
                ObjectNode methodDefaults = Json.JSON.createObjectNode();
                defaults.forEach((k, v) -> {
                    if (!fromFile.contains(k)) {
                        methodDefaults.set(k, Json.JSON.valueToTree(v));
                    }
                });
                config = Json.JSON.readerForUpdating(config).readValue(methodDefaults);
            }
            return Json.JSON.readerForUpdating(config).readValue(overrides);
        } catch (IOException e) {
            throw new SprigException("bad option value: " + e.getMessage().split("\n")[0]);
        }
    }

    /** @return the method a subcommand trains when neither the flags nor the config file name one */
    String defaultMethod() {
        return null;
    }

    private static Set<String> fileKeys(String yaml) {
        try {
            Set<String> keys = new java.util.HashSet<>();
            JsonNode tree = Json.YAML.readTree(yaml);
            if (tree != null) {
                tree.fieldNames().forEachRemaining(keys::add);
            }
            return keys;
        } catch (IOException e) {
            throw new SprigException("bad config: " + e.getMessage().split("\n")[0]);
        }
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
