package dev.sprig.epi;

import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.models.Blueprint;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.SprigModel;
import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.EpiTrigger;
import dev.sprig.structured.Handoff;
import dev.sprig.structured.PipelineSummary;
import dev.sprig.structured.Surgeon;
import dev.sprig.train.BudgetView;
import dev.sprig.train.Json;
import dev.sprig.train.MethodRun;
import dev.sprig.train.Progress;
import dev.sprig.train.RunExecutor;
import dev.sprig.train.RunExecutors;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The EPI pipeline: dense warm-up with an {@link EpiMonitor}, then, from the pruning point, the
 * dominant sub-network (weights and momentum carried over by the {@link Surgeon}) trains for the
 * rest of the schedule. With {@code epi_prune_epoch} it prunes at a fixed epoch instead (the
 * paper's oracle grid); epoch 0 is pruning at initialisation. Sub-folders {@code warmup/} and
 * {@code pruned/} are ordinary run folders; the top {@code summary.json} reports the pipeline.
 */
public final class Epi {
    private Epi() {}

    /**
     * Runs one pipeline.
     *
     * @param config the run ({@code epi_*} settings)
     * @param data data splits
     * @param dir output folder
     * @param mode what to do with a run already there
     * @param progress progress display
     * @return the pipeline's summary
     */
    public static RunSummary run(
            TrainConfig config, DataSplits data, Path dir, RunFolder.Mode mode, Progress progress) {
        return run(new MethodRun(config, data, dir, mode, progress));
    }

    /**
     * Runs one pipeline on a zoo model or on a network defined in Java.
     *
     * @param run config, data, folder and network
     * @return the pipeline's summary
     */
    public static RunSummary run(MethodRun run) {
        String shared = run.config().epiLatencyTable;
        return run(
                run,
                shared == null || shared.isBlank()
                        ? run.dir().resolve("latency.json")
                        : Path.of(shared));
    }

    private static RunSummary run(MethodRun run, Path latencyTable) {
        TrainConfig config = run.config();
        DataSplits data = run.data();
        Path dir = run.dir();
        RunFolder.Mode mode = run.mode();
        Progress progress = run.progress();
        Blueprint network = run.blueprint();
        EpiOptions epi = EpiOptions.from(config);
        if (Surgeon.groups(network.ops(Map.of())).isEmpty()) {
            throw new SprigException(
                    "model "
                            + network.name()
                            + " has no batch-normed convolution channels to prune (EPI needs VGG,"
                            + " ResNet, PreResNet, WRN or a network with Conv2d + BatchNorm"
                            + " layers)");
        }
        if (config.epiTau == null) {
            // config.yaml records the resolved τ; the caller's config stays as given.
            config = config.copy();
            config.epiTau = epi.tau();
        }
        RunFolder root = RunFolder.open(dir, mode);
        boolean resume = mode == RunFolder.Mode.RESUME;
        if (!resume) {
            RunFolder.writeAtomic(root.config(), Json.toYaml(config));
        }
        var s = data.train();
        ChannelImportance importance = epi.importance();
        ResourceBudget budget = budget(config, epi, network, latencyTable);
        List<LayerSpec> full;
        Path prunedDir = dir.resolve("pruned");
        Path warmupDir = dir.resolve("warmup");
        TrainConfig next = config.copy();
        next.method = "epi-pruned";
        next.initFrom = null; // the pruned network starts from the hand-off
        try (SprigModel probe = run.modelFactory(config).apply(ai.djl.Device.cpu())) {
            full = probe.layers();
            if (config.epiPruneEpoch == 0
                    && !Files.isRegularFile(prunedDir.resolve("config.yaml"))) {
                // Pruning at initialisation: gradients do not exist yet, so Taylor falls back to
                // magnitude.
                ChannelImportance atInit =
                        importance.needsGradients() ? ChannelImportance.L2_NORM : importance;
                ChannelMask mask = budget.dominant(probe.ops(), atInit.scores(probe, Map.of()));
                Handoff.write(
                        prunedDir,
                        next,
                        mask,
                        probe,
                        null,
                        0,
                        0,
                        1,
                        new Handoff.Start(true, false, 0, false),
                        0);
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("epi_importance", config.epiImportance);
        extra.put("epi_budget", config.epiBudget);
        extra.put("epi_budget_fraction", config.epiBudgetFraction);
        extra.put("epi_tau", config.epiTau);
        extra.put("epi_window", config.epiWindow);
        RunSummary warmup = null;
        if (!Files.isRegularFile(prunedDir.resolve("config.yaml"))) {
            EpiMonitor monitor =
                    new EpiMonitor(
                            importance,
                            budget,
                            new EpiTrigger(epi.window(), epi.tau(), epi.monotone(), epi.strict()),
                            epi.pruneEpoch(),
                            (step, mask, live) ->
                                    Handoff.write(
                                            prunedDir,
                                            next.copy(),
                                            mask,
                                            live,
                                            new Handoff.Start(true, true, step, true),
                                            step),
                            epi.interval());
            boolean warmupResume = resume && Files.isRegularFile(warmupDir.resolve("config.yaml"));
            TrainConfig w = config.copy();
            w.method = "epi-warmup";
            List<TrainingHook> hooks = List.of(monitor);
            warmup =
                    new Trainer(
                                    w,
                                    data,
                                    RunFolder.open(
                                            warmupDir,
                                            warmupResume
                                                    ? RunFolder.Mode.RESUME
                                                    : RunFolder.Mode.OVERWRITE),
                                    hooks,
                                    warmupResume)
                            .model(run.modelFactory(w))
                            .progress(progress)
                            .run();
        } else if (Files.isRegularFile(warmupDir.resolve("summary.json"))) {
            warmup = PipelineSummary.read(warmupDir);
        }
        if (warmup != null) {
            extra.put("epi_series", series(warmupDir));
        }
        double denseEpochFlops = PipelineSummary.denseEpochFlops(config, data, full);
        int stepsPerEpoch = Trainer.stepsPerEpoch(config, data);
        extra.put("epi_interval", epi.interval().text());
        if (!Files.isRegularFile(prunedDir.resolve("config.yaml"))) {
            extra.put(
                    "budget",
                    new BudgetView(
                                    "prune",
                                    -1,
                                    stepsPerEpoch,
                                    config.epochs,
                                    warmup.trainFlops(),
                                    0,
                                    warmup.wallSeconds(),
                                    0)
                            .toMap(denseEpochFlops * config.epochs));
            extra.put(
                    "pruned",
                    "never: EPI did not fire within the schedule; the warm-up trained the full"
                            + " network");
            return PipelineSummary.write(
                    root,
                    config,
                    data,
                    warmup,
                    full,
                    full,
                    warmup.trainFlops(),
                    denseEpochFlops * config.epochs,
                    warmup.wallSeconds(),
                    extra);
        }
        TrainConfig prunedConfig = Json.readConfig(prunedDir.resolve("config.yaml"));
        RunSummary pruned =
                new Trainer(
                                prunedConfig,
                                data,
                                RunFolder.open(prunedDir, RunFolder.Mode.RESUME),
                                List.of(),
                                true)
                        .model(run.modelFactory(prunedConfig))
                        .progress(progress)
                        .run();
        List<LayerSpec> thin = network.specs(prunedConfig.channelWidths);
        extra.put("prune_epoch", Handoff.epochTaken(prunedDir));
        long pruneStep = Handoff.stepTaken(prunedDir, stepsPerEpoch);
        extra.put("prune_step", pruneStep);
        double flopsBefore = warmup == null ? 0 : warmup.trainFlops();
        extra.put(
                "budget",
                new BudgetView(
                                "prune",
                                pruneStep,
                                stepsPerEpoch,
                                config.epochs,
                                flopsBefore,
                                pruned.trainFlops() - flopsBefore,
                                warmup == null ? 0 : warmup.wallSeconds(),
                                pruned.wallSeconds())
                        .toMap(denseEpochFlops * config.epochs));
        extra.put("channel_counts", prunedConfig.channelWidths);
        extra.put("resource_fraction", budget.resource(prunedConfig.channelWidths) / budget.full());
        double wall =
                (warmup == null ? 0 : warmup.wallSeconds())
                        + pruned.wallSeconds(); // each phase times itself
        return PipelineSummary.write(
                root,
                config,
                data,
                pruned,
                full,
                thin,
                pruned.trainFlops(),
                denseEpochFlops * config.epochs,
                wall,
                extra);
    }

    /**
     * Creates the run's budget. A latency budget times every layer on the training device once and
     * keeps the table in the run folder (the grid's folder for an oracle grid), so a resumed run,
     * and every run of a grid, prunes against the same measurements.
     */
    private static ResourceBudget budget(
            TrainConfig config, EpiOptions epi, Blueprint network, Path table) {
        LatencyTable latency = null;
        if (epi.budget() == EpiOptions.Budget.LATENCY) {
            if (Files.isRegularFile(table)) {
                latency = LatencyTable.read(table);
            } else {
                latency =
                        ResourceBudget.measureLatency(
                                network,
                                new LatencyTable.EngineTimer(
                                        dev.sprig.Sprig.device(config.device),
                                        config.batchSize,
                                        5));
                latency.write(table);
            }
        }
        return new ResourceBudget(network, epi.budget(), epi.budgetFraction(), latency);
    }

    /**
     * Runs EPI and the oracle grid (prune at each fixed epoch) side by side.
     *
     * @param config the run
     * @param data data splits
     * @param dir output folder: {@code epi/} and {@code epoch-N/} inside
     * @param mode what to do with runs already there
     * @param epochs the fixed pruning epochs (0 = at initialisation)
     * @param progress progress display
     * @return summaries, EPI first
     */
    public static List<RunSummary> grid(
            TrainConfig config,
            DataSplits data,
            Path dir,
            RunFolder.Mode mode,
            List<Integer> epochs,
            Progress progress) {
        List<RunSummary> out = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        TrainConfig epi = config.copy();
        epi.epiPruneEpoch = -1;
        Path table = dir.resolve("latency.json"); // one measurement for the whole grid
        if (mode == RunFolder.Mode.OVERWRITE) {
            try {
                Files.deleteIfExists(table); // measured for the run being replaced
            } catch (java.io.IOException e) {
                throw new SprigException("cannot clear " + table + ": " + e.getMessage());
            }
        }
        List<TrainConfig> configs = new ArrayList<>(List.of(epi));
        List<Path> dirs = new ArrayList<>(List.of(dir.resolve("epi")));
        for (int e : epochs) {
            if (e >= config.epochs) {
                throw new SprigException(
                        "oracle epoch "
                                + e
                                + " is not within the "
                                + config.epochs
                                + "-epoch schedule");
            }
            TrainConfig c = config.copy();
            c.epiPruneEpoch = e;
            configs.add(c);
            dirs.add(dir.resolve("epoch-" + e));
        }
        if (config.master != null && !config.master.isBlank()) {
            out.addAll(remoteGrid(config, data, table, configs, dirs, mode));
        } else {
            for (int i = 0; i < configs.size(); i++) {
                out.add(
                        run(
                                new MethodRun(configs.get(i), data, dirs.get(i), mode, progress),
                                table));
            }
        }
        for (int i = 0; i < out.size(); i++) {
            RunSummary r = out.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("run", i == 0 ? "epi" : "epoch-" + epochs.get(i - 1));
            row.put("prune_epoch", r.extra().get("prune_epoch"));
            row.put("test_accuracy", r.testAccuracy());
            row.put("train_flops_ratio", r.trainFlops() / r.denseTrainFlops());
            row.put("wall_seconds", r.wallSeconds());
            rows.add(row);
        }
        RunFolder.writeAtomic(dir.resolve("oracle.json"), Json.pretty(rows) + "\n");
        if (out.size() > 1) {
            addOracle(dir.resolve("epi"), rows.subList(1, rows.size()));
        }
        return out;
    }

    /**
     * Adds to the EPI run's budget view what an ideal trigger would have cost: the oracle run of
     * highest test accuracy (the earliest of equals), its pruning epoch, FLOPs and wall time.
     */
    private static void addOracle(Path epiDir, List<Map<String, Object>> oracle) {
        Map<String, Object> best = null;
        for (Map<String, Object> row : oracle) {
            if (best == null
                    || (double) row.get("test_accuracy") > (double) best.get("test_accuracy")) {
                best = row;
            }
        }
        Path summary = epiDir.resolve("summary.json");
        try {
            com.fasterxml.jackson.databind.node.ObjectNode s =
                    (com.fasterxml.jackson.databind.node.ObjectNode)
                            Json.JSON.readTree(summary.toFile());
            com.fasterxml.jackson.databind.JsonNode budget = s.get("budget");
            if (budget instanceof com.fasterxml.jackson.databind.node.ObjectNode b) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("best_prune_epoch", best.get("prune_epoch"));
                o.put("test_accuracy", best.get("test_accuracy"));
                o.put("train_flops_ratio", best.get("train_flops_ratio"));
                o.put("wall_seconds", best.get("wall_seconds"));
                b.set("oracle", Json.JSON.valueToTree(o));
                RunFolder.writeAtomic(summary, Json.pretty(s) + "\n");
            }
        } catch (java.io.IOException | ClassCastException e) {
            throw new SprigException("cannot add the oracle to " + summary + ": " + e.getMessage());
        }
    }

    /**
     * The grid's runs as tasks of the {@code master} (each in a child JVM, side by side): the
     * latency table is measured here first, so every run prunes against the same one; a run that
     * finished is kept, the others start afresh in their folders.
     */
    private static List<RunSummary> remoteGrid(
            TrainConfig config,
            DataSplits data,
            Path table,
            List<TrainConfig> configs,
            List<Path> dirs,
            RunFolder.Mode mode) {
        EpiOptions epi = EpiOptions.from(config);
        RunExecutor executor = RunExecutors.forMaster(config.master);
        if (epi.budget() == EpiOptions.Budget.LATENCY && !executor.sharesFiles()) {
            throw new SprigException(
                    "master "
                            + config.master
                            + ": the runs of a latency-budget grid read one latency table measured"
                            + " here, which a cluster's workers do not see; use local[N] or"
                            + " jvm[N]");
        }
        Blueprint network = Trainer.blueprint(config, data.train());
        budget(config, epi, network, table); // measures and writes the table if it needs one
        List<RunExecutor.Job> jobs = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            Path d = dirs.get(i);
            boolean finished = Files.isRegularFile(d.resolve("summary.json"));
            if (mode == RunFolder.Mode.NEW && RunFolder.holdsRun(d)) {
                throw new SprigException(
                        "output folder "
                                + d
                                + " already holds a run; pass --resume to continue the grid or"
                                + " --overwrite to replace it");
            }
            if (finished && mode == RunFolder.Mode.RESUME) {
                continue;
            }
            TrainConfig c = configs.get(i).copy();
            c.master = null;
            c.epiLatencyTable = table.toAbsolutePath().toString();
            // The task trains it afresh (its folder holds no top-level checkpoint to resume).
            RunFolder.writeAtomic(d.resolve("config.yaml"), Json.toYaml(c));
            jobs.add(RunExecutor.Job.of(d, config.seed));
        }
        List<String> failed = new ArrayList<>();
        for (RunExecutor.Outcome o : executor.run(jobs)) {
            if (!o.finished()) {
                failed.add(o.job().folders().get(0).getFileName() + ": " + o.error());
            }
        }
        if (!failed.isEmpty()) {
            throw new SprigException("oracle grid runs failed: " + String.join("; ", failed));
        }
        List<RunSummary> out = new ArrayList<>();
        for (Path d : dirs) {
            out.add(RunSummary.read(d));
        }
        return out;
    }

    private static Object series(Path warmupDir) {
        try {
            List<Object> epi = new ArrayList<>();
            for (String line : Files.readAllLines(warmupDir.resolve("metrics.jsonl"))) {
                var node = Json.JSON.readTree(line);
                var observations = node.get("epi_observations");
                if (observations != null && observations.isArray()) {
                    // Observed every N steps: each entry is [step, EPI].
                    for (var o : observations) {
                        epi.add(o.get(1).isNull() ? null : o.get(1).asDouble());
                    }
                    continue;
                }
                var v = node.get("epi");
                epi.add(v == null || v.isNull() ? null : v.asDouble());
            }
            return epi;
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
