package dev.sprig.earlybird;

import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.models.Blueprint;
import dev.sprig.models.LayerSpec;
import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.Handoff;
import dev.sprig.structured.PipelineSummary;
import dev.sprig.structured.Surgeon;
import dev.sprig.train.BudgetView;
import dev.sprig.train.Json;
import dev.sprig.train.MethodRun;
import dev.sprig.train.Progress;
import dev.sprig.train.RunContext;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Early-Bird pipeline and its baselines, each a run folder holding the phases as sub-runs:
 *
 * <ul>
 *   <li>{@code earlybird}: network-slimming search until the ticket appears → surgery → the thin
 *       network trains for the rest of the schedule from the ticket's weights and momentum (the
 *       anchor's {@code main_c.py} silently re-initialises here; Sprig carries them over);
 *   <li>{@code earlybird-reinit}: the same ticket, re-initialised and trained for the whole
 *       schedule (the paper's "EB Train (re-init)" row);
 *   <li>{@code slimming}: network slimming, i.e. the full schedule with the L1 penalty, prune at
 *       the end, fine-tune ({@code finetune_epochs}).
 * </ul>
 *
 * The folder's {@code summary.json} reports the whole pipeline: its training FLOPs (search on the
 * dense network + training of the thin one) against dense training for the same number of epochs,
 * the ticket epoch of every searched ratio and the per-layer channel counts.
 */
public final class EarlyBird {
    /** The three pipelines: how each draws its channel mask and what trains after it. */
    public enum Variant {
        /**
         * The ticket, drawn when the masks settle, trains on from the search's weights and
         * momentum.
         */
        EARLYBIRD("earlybird", "earlybird-search", "retrain", "earlybird-retrain"),
        /** The same ticket, re-initialised and trained for the whole schedule. */
        REINIT("earlybird-reinit", "earlybird-search", "retrain", "earlybird-reinit-train"),
        /** The full schedule with the L1 penalty, pruned at the end, then fine-tuned. */
        SLIMMING("slimming", "slimming-train", "finetune", "slimming-finetune");

        private final String method;
        private final String searchLabel;
        private final String phaseDir;
        private final String phaseLabel;

        Variant(String method, String searchLabel, String phaseDir, String phaseLabel) {
            this.method = method;
            this.searchLabel = searchLabel;
            this.phaseDir = phaseDir;
            this.phaseLabel = phaseLabel;
        }

        /**
         * Returns the registry key.
         *
         * @return the method name
         */
        public String method() {
            return method;
        }

        /** Whether the mask-distance trigger draws the ticket during the search (not slimming). */
        boolean triggered() {
            return this != SLIMMING;
        }

        /**
         * Finds the variant of a method name.
         *
         * @param method a method name
         * @return its variant
         * @throws SprigException for a method of another family
         */
        public static Variant of(String method) {
            for (Variant v : values()) {
                if (v.method.equalsIgnoreCase(method)) {
                    return v;
                }
            }
            throw new SprigException("not an Early-Bird method: " + method);
        }
    }

    private EarlyBird() {}

    /**
     * Runs a pipeline.
     *
     * @param config the run (its method earlybird, earlybird-reinit or slimming)
     * @param data data splits
     * @param dir output folder
     * @param mode what to do with a run already there
     * @param progress progress display
     * @return the pipeline's summary
     */
    public static RunSummary run(
            TrainConfig config, DataSplits data, Path dir, RunFolder.Mode mode, Progress progress) {
        return run(Variant.of(config.method), new MethodRun(config, data, dir, mode, progress));
    }

    /**
     * Runs a pipeline of a known variant.
     *
     * @param variant the pipeline
     * @param run config, data, folder and network (a zoo model, or one defined in Java)
     * @return the pipeline's summary
     */
    static RunSummary run(Variant variant, MethodRun run) {
        TrainConfig config = run.config();
        DataSplits data = run.data();
        Path dir = run.dir();
        RunFolder.Mode mode = run.mode();
        Progress progress = run.progress();
        EarlyBirdOptions eb = EarlyBirdOptions.from(config);
        if (eb.lowPrecision() && run.network() != null) {
            throw new SprigException(
                    "the 8-bit Early-Bird search quantises the zoo's activations; a network defined"
                            + " in Java searches in 32-bit (drop eb_low_precision)");
        }
        Blueprint blueprint = run.blueprint();
        List<LayerSpec> full = blueprint.specs(Map.of());
        if (Surgeon.groups(blueprint.ops(Map.of())).isEmpty()) {
            throw new SprigException(
                    "model "
                            + blueprint.name()
                            + " has no batch-normed convolution channels to prune (Early-Bird needs"
                            + " VGG, ResNet, PreResNet, WRN or a network with Conv2d + BatchNorm"
                            + " layers)");
        }
        if (config.bnL1 == null) {
            // config.yaml records the resolved penalty; the caller's config stays as given.
            config = config.copy();
            config.bnL1 = eb.bnL1();
        }
        RunFolder root = RunFolder.open(dir, mode);
        boolean resume = mode == RunFolder.Mode.RESUME;
        if (!resume) {
            RunFolder.writeAtomic(root.config(), Json.toYaml(config));
        }
        Path retrainDir = dir.resolve(variant.phaseDir);
        boolean retrainStarted = Files.isRegularFile(retrainDir.resolve("config.yaml"));

        TrainConfig searchConfig = config.copy();
        searchConfig.method = variant.searchLabel;
        TicketWriter writer = new TicketWriter(config, eb, retrainDir, variant);
        EarlyBirdDetector detector =
                new EarlyBirdDetector(
                        eb.ratios(),
                        eb.pruneRatio(),
                        eb.queue(),
                        eb.epsilon(),
                        eb.perLayer(),
                        variant.triggered(),
                        variant.triggered() ? writer : null,
                        eb.interval());
        RunSummary search;
        Path searchDir = dir.resolve("search");
        if (retrainStarted) {
            search = PipelineSummary.read(searchDir);
        } else {
            List<TrainingHook> hooks =
                    new java.util.ArrayList<>(List.of(new SlimmingPenalty(eb.bnL1())));
            if (eb.lowPrecision()) {
                hooks.add(new LowPrecisionSearch(8, config.seed));
            }
            hooks.add(detector);
            hooks.add(writer.finalHook());
            boolean searchResume = resume && Files.isRegularFile(searchDir.resolve("config.yaml"));
            search =
                    new Trainer(
                                    searchConfig,
                                    data,
                                    RunFolder.open(
                                            searchDir,
                                            // A search killed before it wrote its config starts
                                            // over.
                                            searchResume
                                                    ? RunFolder.Mode.RESUME
                                                    : RunFolder.Mode.OVERWRITE),
                                    hooks,
                                    searchResume)
                            .model(run.modelFactory(searchConfig))
                            .progress(progress)
                            .run();
            if (eb.distanceMatrix()) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (double p : eb.ratios()) {
                    m.put(Double.toString(p), detector.distanceMatrix(p));
                }
                RunFolder.writeAtomic(dir.resolve("eb_distances.json"), Json.pretty(m) + "\n");
            }
        }
        double denseEpochFlops = PipelineSummary.denseEpochFlops(config, data, full);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("prune_ratio", eb.pruneRatio());
        extra.put("search_epochs", search.epochs());
        extra.put("search_train_flops", search.trainFlops());
        extra.put("search_test_accuracy", search.testAccuracy());
        extra.put("eb_ticket_epochs", lastTicketEpochs(searchDir));
        int stepsPerEpoch = Trainer.stepsPerEpoch(config, data);
        String event = variant.triggered() ? "ticket" : "prune";
        if (!Files.isRegularFile(retrainDir.resolve("config.yaml"))) {
            // No ticket to retrain: the search is the whole run.
            extra.put(
                    "budget",
                    new BudgetView(
                                    event,
                                    -1,
                                    stepsPerEpoch,
                                    config.epochs,
                                    search.trainFlops(),
                                    0,
                                    search.wallSeconds(),
                                    0)
                            .toMap(denseEpochFlops * config.epochs));
            extra.put(
                    "ticket",
                    ticketDrawnAt(searchDir, eb.pruneRatio()) == null
                            ? "none: the masks never settled within eb_epsilon; the search trained"
                                    + " the full network"
                            : "drawn at the last epoch: nothing was left to retrain it, so the"
                                    + " search's full network is the result");
            return PipelineSummary.write(
                    root,
                    config,
                    data,
                    search,
                    full,
                    full,
                    search.trainFlops(),
                    denseEpochFlops * config.epochs,
                    search.wallSeconds(),
                    extra);
        }
        TrainConfig retrainConfig = Json.readConfig(retrainDir.resolve("config.yaml"));
        RunFolder retrainFolder = RunFolder.open(retrainDir, RunFolder.Mode.RESUME);
        // The re-initialised ticket starts from scratch unless a killed run left a checkpoint.
        boolean continues =
                variant != Variant.REINIT || Files.isRegularFile(retrainFolder.lastCheckpoint());
        RunSummary retrain =
                new Trainer(
                                retrainConfig,
                                data,
                                retrainFolder,
                                List.of(
                                        new SlimmingPenalty(
                                                variant == Variant.SLIMMING ? 0 : eb.bnL1())),
                                continues)
                        .model(run.modelFactory(retrainConfig))
                        .progress(progress)
                        .run();
        List<LayerSpec> thin = blueprint.specs(retrainConfig.channelWidths);
        // The Early-Bird ticket's ledger continues the search's; the others start their own.
        double retrainOwn =
                retrain.trainFlops() - (variant == Variant.EARLYBIRD ? search.trainFlops() : 0);
        extra.put("eb_epoch", Handoff.epochTaken(retrainDir));
        long ticketStep = Handoff.stepTaken(retrainDir, stepsPerEpoch);
        extra.put("eb_step", ticketStep);
        extra.put("eb_interval", eb.interval().text());
        extra.put("retrain_train_flops", retrainOwn);
        extra.put("channel_counts", retrainConfig.channelWidths);
        // Each phase's folder times only itself (the hand-off checkpoint starts the clock at zero).
        double wall = search.wallSeconds() + retrain.wallSeconds();
        double dense = denseEpochFlops * config.epochs;
        extra.put(
                "budget",
                new BudgetView(
                                event,
                                ticketStep,
                                stepsPerEpoch,
                                config.epochs,
                                search.trainFlops(),
                                retrainOwn,
                                search.wallSeconds(),
                                retrain.wallSeconds())
                        .toMap(dense));
        return PipelineSummary.write(
                root,
                config,
                data,
                retrain,
                full,
                thin,
                search.trainFlops() + retrainOwn,
                dense,
                wall,
                extra);
    }

    private static Integer ticketDrawnAt(Path searchDir, double ratio) {
        Object epochs = lastTicketEpochs(searchDir);
        if (epochs instanceof com.fasterxml.jackson.databind.JsonNode n
                && n.has(Double.toString(ratio))) {
            return n.get(Double.toString(ratio)).asInt();
        }
        return null;
    }

    private static Object lastTicketEpochs(Path searchDir) {
        try {
            List<String> lines = Files.readAllLines(searchDir.resolve("metrics.jsonl"));
            if (lines.isEmpty()) {
                return Map.of();
            }
            return Json.JSON.readTree(lines.get(lines.size() - 1)).get("eb_ticket_epochs");
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    /**
     * Writes the phase after the search: at the ticket (Early-Bird) or at the end of training
     * (slimming), shrinks the live network and writes the next phase's run folder: its config (the
     * thin widths) and, when weights carry over, a checkpoint it resumes from.
     */
    static final class TicketWriter implements EarlyBirdDetector.TicketHandler {
        private final TrainConfig config;
        private final Path dir;
        private final EarlyBirdOptions eb;
        private final Variant variant;

        TicketWriter(TrainConfig config, EarlyBirdOptions eb, Path dir, Variant variant) {
            this.config = config;
            this.eb = eb;
            this.dir = dir;
            this.variant = variant;
        }

        @Override
        public void onTicket(long step, ChannelMask mask, RunContext run) {
            boolean reinit = variant == Variant.REINIT;
            boolean slimming = variant == Variant.SLIMMING;
            if (!reinit && !slimming && step >= (long) config.epochs * run.stepsPerEpoch()) {
                // The ticket goes on from its epoch: drawn at the last one, it has nothing left to
                // train,
                // and the pruned network without retraining is no result. The search stands.
                return;
            }
            TrainConfig next = config.copy();
            next.method = variant.phaseLabel;
            next.initFrom = null; // the ticket starts from the hand-off, not the search's start
            next.ebLowPrecision =
                    false; // low precision is the search's (the ticket trains in 32-bit)
            if (slimming) {
                next.epochs =
                        eb.finetuneEpochs() > 0
                                ? eb.finetuneEpochs()
                                : Math.max(1, config.epochs / 4);
                next.warmupEpochs = 0;
                next.lrMilestones = new java.util.ArrayList<>();
            }
            Handoff.write(
                    dir,
                    next,
                    mask,
                    run,
                    new Handoff.Start(!reinit, !slimming, slimming ? 0 : step, !slimming),
                    step);
        }

        /** Slimming prunes once training ends; the other methods need nothing at the end. */
        TrainingHook finalHook() {
            return new TrainingHook() {
                @Override
                public void onTrainingEnd(RunContext run) {
                    if (variant == Variant.SLIMMING) {
                        ChannelMask m =
                                ChannelMask.fromScales(
                                        Surgeon.groupScales(run.model()),
                                        eb.pruneRatio(),
                                        eb.perLayer());
                        onTicket((long) run.config().epochs * run.stepsPerEpoch(), m, run);
                    }
                }
            };
        }
    }
}
