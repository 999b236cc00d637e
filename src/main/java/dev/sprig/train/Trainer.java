package dev.sprig.train;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.cost.CostModel;
import dev.sprig.cost.FlopsCostModel;
import dev.sprig.cost.FlopsLedger;
import dev.sprig.cost.LayerDensities;
import dev.sprig.data.BatchPrefetcher;
import dev.sprig.data.BatchSource;
import dev.sprig.data.DataSplits;
import dev.sprig.data.ImageSet;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.RecurrentLm;
import dev.sprig.models.SprigModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop shared by every method and every execution backend.
 *
 * <p>The loop (epochs, batches, learning rate, FLOPs ledger, metrics, checkpoints, summary) is
 * written once, here; what a step computes belongs to a {@link TrainingSession}: the engine's
 * masked-dense path ({@link EngineSession}, where hooks plug in around the step, see {@link
 * TrainingHook}) or a registered {@link ExecutionBackend} such as the CSR path for sparse MLPs.
 * Each epoch is evaluated on the validation and test sets, one line is written to {@code
 * metrics.jsonl}, and a checkpoint is saved (also every {@code checkpoint_every} steps when set). A
 * resumed run continues from the last checkpoint and ends with the same figures as an uninterrupted
 * one. A non-finite loss stops the run with a clear message and leaves the last good checkpoint in
 * place.
 */
public final class Trainer {
    /**
     * Training batches filled ahead of the step at most: enough to hide a slow batch behind the
     * next steps, few enough that a ResNet-18 batch of 128 at 224x224 (77 MB) keeps memory small.
     */
    static final int PREFETCH_DEPTH = 3;

    /** The metrics key of the test accuracy per class, for data sets with class names. */
    static final String PER_CLASS_KEY = "test_per_class_accuracy";

    /** The per-class test accuracy of the last evaluated epoch (named classes only). */
    private Map<String, Double> lastPerClass;

    private java.util.function.Function<Device, SprigModel> modelFactory;
    private final TrainConfig config;
    private final TrainSettings settings;
    private final DataSplits data;
    private final RunFolder folder;
    private final List<TrainingHook> hooks;
    private final boolean resume;
    private final CostModel cost = FlopsCostModel.INSTANCE;
    private Progress progress = Progress.silent();
    private boolean chooseBackend;
    private java.util.function.Consumer<EpochMetrics> epochListener = m -> {};
    private java.util.function.LongConsumer stepListener = step -> {};

    /**
     * Creates a trainer.
     *
     * @param config the resolved config (validated here)
     * @param data the data splits
     * @param folder run folder, or null to write nothing (tests, benchmarks)
     * @param hooks hooks in call order
     * @param resume whether to continue from the folder's last checkpoint
     */
    public Trainer(
            TrainConfig config,
            DataSplits data,
            RunFolder folder,
            List<TrainingHook> hooks,
            boolean resume) {
        this.config = config.validate();
        this.settings = TrainSettings.from(config);
        this.data = data;
        this.folder = folder;
        this.hooks = List.copyOf(hooks);
        this.resume = resume;
        if (resume && folder == null) {
            throw new IllegalArgumentException("resume needs a run folder");
        }
    }

    /**
     * Sets how progress is shown.
     *
     * @param progress the reporter
     * @return this trainer
     */
    public Trainer progress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /**
     * Builds the model a config describes, for the given data.
     *
     * @param config the config
     * @param train training images (for input shape and classes)
     * @param device device
     * @return the initialised model
     */
    public static SprigModel buildModel(TrainConfig config, ImageSet train, Device device) {
        if (RecurrentLm.isRecurrent(config.model)) {
            return ModelZoo.create(
                    config.model,
                    train.channels(),
                    train.height(),
                    train.classes(),
                    config.widthMultiplier,
                    device,
                    config.seed,
                    1f);
        }
        return blueprint(config, train)
                .build(
                        config.channelWidths == null ? java.util.Map.of() : config.channelWidths,
                        device,
                        config.seed,
                        (float) config.bnGammaInit);
    }

    /**
     * Returns the zoo blueprint a config names, for the given data.
     *
     * @param config the config ({@code model}, {@code width_multiplier}; 8-bit activations for an
     *     Early-Bird low-precision search)
     * @param train training images (for input shape and classes)
     * @return the blueprint
     */
    public static dev.sprig.models.Blueprint blueprint(TrainConfig config, ImageSet train) {
        config.requireZooModel();
        if (RecurrentLm.isRecurrent(config.model)) {
            throw new SprigException(
                    "model "
                            + config.model
                            + " is recurrent: structured pruning (Early-Bird, EPI) needs a"
                            + " convolutional network; train it with an unstructured method");
        }
        if (train.isTable() && !ModelZoo.isMlp(config.model)) {
            throw new SprigException(
                    "model "
                            + config.model
                            + " is convolutional; a table of features ("
                            + config.dataset
                            + ") trains an MLP: lenet-300-100 or mlp-H1-H2-...");
        }
        if (train.height() != train.width()) {
            throw new SprigException(
                    "images must be square, got " + train.height() + "x" + train.width());
        }
        return ModelZoo.blueprint(
                config.model,
                train.channels(),
                train.height(),
                train.classes(),
                config.widthMultiplier,
                config.ebLowPrecision ? new dev.sprig.models.BlockFloatActivations(8) : null);
    }

    /**
     * Trains a model built by the caller instead of the zoo's {@code config.model} (a network
     * wrapped with {@link SprigModel#wrap}). The factory is called once per run.
     *
     * @param factory builds the model on the run's device
     * @return this trainer
     */
    public Trainer model(java.util.function.Function<Device, SprigModel> factory) {
        this.modelFactory = factory;
        return this;
    }

    /**
     * Lets {@code exec} choose another {@link ExecutionBackend} than the engine (the CSR path for
     * sparse MLPs). Only for a trainer whose hooks are exactly its method's own: a backend runs the
     * method from the config and does not call them. {@link HookMethod#run} sets this.
     *
     * @return this trainer
     */
    public Trainer chooseBackend() {
        this.chooseBackend = true;
        return this;
    }

    /**
     * Picks the backend {@code exec} selects for a zoo model.
     *
     * @param config the run ({@code exec}: auto, dense or a backend's name)
     * @param data the data (for the model's input shape)
     * @return the backend, or null for the engine's masked-dense path
     * @throws SprigException when a named backend cannot run the config, or no backend has the name
     */
    public static ExecutionBackend backendFor(TrainConfig config, DataSplits data) {
        String exec = config.exec.toLowerCase(java.util.Locale.ROOT);
        if (exec.equals("dense") || TrainConfig.CUSTOM_MODEL.equals(config.model)) {
            return null;
        }
        List<dev.sprig.models.LayerSpec> specs = zooSpecs(config, data);
        Device device = Sprig.device(config.device);
        for (ExecutionBackend b : backends()) {
            String why = b.whyNot(config, specs);
            if (exec.equals(b.name())) {
                if (why != null) {
                    throw new SprigException("--exec " + exec + ": " + why);
                }
                return b;
            }
            if (exec.equals("auto") && why == null && b.preferred(config, specs, device)) {
                return b;
            }
        }
        if (!exec.equals("auto")) {
            throw new SprigException(
                    "exec must be auto, dense or the name of an execution backend, got '"
                            + config.exec
                            + "'");
        }
        return null;
    }

    /** The layers of a run's zoo model on its data, as the execution backends judge them. */
    private static List<dev.sprig.models.LayerSpec> zooSpecs(TrainConfig config, DataSplits data) {
        ImageSet s = data.train();
        return ModelZoo.specs(
                config.model, s.channels(), s.height(), s.classes(), config.widthMultiplier);
    }

    /** The registered execution backends ({@code META-INF/services}). */
    private static Iterable<ExecutionBackend> backends() {
        return java.util.ServiceLoader.load(ExecutionBackend.class, Trainer.class.getClassLoader());
    }

    /** Why {@code exec: auto} left a run on the engine: each backend's reason, or its choice. */
    private static String engineReason(TrainConfig config, DataSplits data) {
        List<dev.sprig.models.LayerSpec> specs = zooSpecs(config, data);
        List<String> reasons = new ArrayList<>();
        for (ExecutionBackend b : backends()) {
            String why = b.whyNot(config, specs);
            reasons.add(b.name() + ": " + (why != null ? why : b.whyNotPreferred(config, specs)));
        }
        return "engine path chosen (" + String.join("; ", reasons) + ")";
    }

    /**
     * Sets a listener called with each epoch's metrics once its checkpoint is written (benchmarks
     * time epochs with it; a listener that throws stops the run there, as a kill would).
     *
     * @param listener the listener
     * @return this trainer
     */
    public Trainer onEpoch(java.util.function.Consumer<EpochMetrics> listener) {
        this.epochListener = listener;
        return this;
    }

    /**
     * Sets a listener called with the number of steps done after each step (and its periodic
     * checkpoint); a listener that throws stops the run there, as a kill would.
     *
     * @param listener the listener
     * @return this trainer
     */
    public Trainer onStep(java.util.function.LongConsumer listener) {
        this.stepListener = listener;
        return this;
    }

    /** Why {@code exec: auto} kept this run on the engine, for the summary; null otherwise. */
    private String engineReason;

    /**
     * Trains and returns the final figures.
     *
     * @return the summary (also written to {@code summary.json} when there is a folder)
     */
    public RunSummary run() {
        Interruption.enter();
        try {
            return runLoop();
        } finally {
            Interruption.exit();
        }
    }

    private RunSummary runLoop() {
        if (modelFactory == null
                && (data.sequenceLength() > 0) != RecurrentLm.isRecurrent(config.model)) {
            throw new SprigException(
                    data.sequenceLength() > 0
                            ? config.dataset
                                    + " is text: it trains a recurrent language model (gru-H-L or"
                                    + " lstm-H-L), not "
                                    + config.model
                            : "model "
                                    + config.model
                                    + " reads text (--dataset text:FILE or bytes:FILE), not "
                                    + config.dataset);
        }
        if (settings.threads() > 0) {
            // Before anything starts the engine (choosing the backend does), so that its first
            // start takes them; Sprig.engineThreads then holds later runs of this JVM to theirs.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(settings.threads()));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        ExecutionBackend backend =
                chooseBackend && modelFactory == null ? backendFor(resumedExec(), data) : null;
        if (backend == null
                && chooseBackend
                && modelFactory == null
                && config.exec.equalsIgnoreCase("auto")) {
            engineReason = engineReason(config, data);
        }
        String backendName = backend == null ? Checkpoint.ENGINE : backend.name();
        Device device = Sprig.device(config.device);
        if (settings.threads() > 0) {
            Sprig.engineThreads(settings.threads());
        }
        long runStart = System.nanoTime();
        boolean augment = settings.augment().resolve(data.augment());
        // Text is read in stream order, every batch continuing the one before, and evaluated with
        // the same streams (TextLayout); images and tables are shuffled each epoch.
        boolean text = data.sequenceLength() > 0;
        int evalBatch = text ? settings.batchSize() : settings.evalBatchSize();
        BatchSource train =
                new BatchSource(
                        data.train(),
                        data.normalization(),
                        settings.batchSize(),
                        !text,
                        augment ? data.augmentation() : null,
                        settings.seed());
        BatchSource val =
                data.validation() == null
                        ? null
                        : new BatchSource(
                                data.validation(),
                                data.normalization(),
                                evalBatch,
                                false,
                                false,
                                settings.seed());
        BatchSource test =
                new BatchSource(
                        data.test(),
                        data.normalization(),
                        evalBatch,
                        false,
                        false,
                        settings.seed());
        int steps = stepsPerEpoch(config, data);
        LrSchedule schedule = LrSchedule.of(config, steps);
        FlopsLedger ledger = new FlopsLedger();
        RunSetup setup = new RunSetup(config, data, device, ledger, cost, steps);
        try (BatchPrefetcher batches =
                        new BatchPrefetcher(train, steps, config.dataWorkers, PREFETCH_DEPTH);
                TrainingSession session =
                        backend == null
                                ? new EngineSession(setup, hooks, modelFactory)
                                : backend.open(setup)) {
            Checkpoint.State state;
            // A run killed before its first checkpoint resumes by starting over.
            ResumePoint from = resume ? resumePoint(backend) : null;
            if (from != null) {
                state = Checkpoint.restore(from.file(), from.contents(), backendName, session);
                ledger.restore(state.trainFlops(), state.denseTrainFlops());
            } else {
                state = new Checkpoint.State(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, List.of());
                if (folder != null && !resume) {
                    TrainConfig resolved = config.copy();
                    resolved.recordData(data);
                    String yaml = Json.toYaml(resolved);
                    RunFolder.writeAtomic(folder.config(), yaml);
                    RunFolder.writeAtomic(
                            folder.dir().resolve("provenance.json"),
                            Json.pretty(RunProvenance.of(config, yaml, device)) + "\n");
                }
            }
            session.begin();
            List<String> metricsLines = new ArrayList<>(state.metricsLines());
            long denseStepFlops =
                    cost.trainStepFlops(session.layers(), LayerDensities.DENSE, false);
            long step = state.step();
            double wallBefore = state.wallSeconds();
            double bestVal = state.bestValAccuracy();
            int bestEpoch = state.bestEpoch();
            EpochMetrics last = null;

            for (int epoch = state.epoch(); epoch < settings.epochs(); epoch++) {
                boolean continuing = epoch == state.epoch();
                int startBatch = continuing ? state.batch() : 0;
                double lossSum = continuing ? state.epochLossSum() : 0;
                long correct = continuing ? state.epochCorrect() : 0;
                long seen = continuing ? state.epochSeen() : 0;
                double epochSeconds = continuing ? state.epochSeconds() : 0;
                progress.epochStart(epoch + 1, settings.epochs(), steps, startBatch);
                for (int b = startBatch; b < steps; b++) {
                    long t0 = System.nanoTime();
                    BatchSource.Batch batch = batches.batch(epoch, b);
                    TrainingSession.StepResult r =
                            session.step(step, epoch, b, batch, schedule.at(step));
                    if (!Double.isFinite(r.loss())) {
                        throw diverged(epoch, step, r.loss());
                    }
                    ledger.record(
                            batch.size(),
                            cost.trainStepFlops(
                                    session.layers(), session.densities(), r.denseWeightGradient()),
                            denseStepFlops);
                    step++;
                    lossSum += r.loss() * batch.size();
                    correct += r.correct();
                    seen += batch.size();
                    epochSeconds += (System.nanoTime() - t0) / 1e9;
                    progress.step(batch.size(), lossSum / seen, (double) correct / seen);
                    boolean interrupted = Interruption.requested();
                    if (folder != null
                            && (interrupted
                                    || settings.checkpointEvery() > 0
                                            && step % settings.checkpointEvery() == 0)
                            && b + 1 < steps) {
                        saveLast(
                                new Checkpoint.State(
                                        epoch,
                                        b + 1,
                                        step,
                                        ledger.trainFlops(),
                                        ledger.denseTrainFlops(),
                                        lossSum,
                                        correct,
                                        seen,
                                        epochSeconds,
                                        wallBefore + (System.nanoTime() - runStart) / 1e9,
                                        bestVal,
                                        bestEpoch,
                                        metricsLines),
                                backendName,
                                session);
                    }
                    if (interrupted && b + 1 < steps) {
                        throw new Interruption.Stopped(epoch + 1, step, folder);
                    }
                    stepListener.accept(step);
                    if (session.stopRequested()) {
                        // A hook ended the run mid-epoch (a trigger fired between epoch ends): the
                        // epoch closes here, evaluated and checkpointed like a full one.
                        break;
                    }
                }
                Evaluation v = val == null ? null : session.evaluate(val);
                Evaluation t = session.evaluate(test);
                last =
                        new EpochMetrics(
                                epoch + 1,
                                step,
                                schedule.at(Math.max(0, step - 1)),
                                lossSum / seen,
                                (double) correct / seen,
                                v == null ? null : v.loss(),
                                v == null ? null : v.accuracy(),
                                t.loss(),
                                t.accuracy(),
                                epochSeconds,
                                ledger.trainFlops(),
                                ledger.denseTrainFlops());
                Map<String, Object> extra = new LinkedHashMap<>();
                if (data.classNames() != null && t.classCorrect() != null) {
                    lastPerClass = t.perClass(data.classNames());
                    extra.put(PER_CLASS_KEY, lastPerClass);
                }
                if (text) {
                    putTextFigures(extra, "test", t.loss());
                    if (v != null) {
                        putTextFigures(extra, "val", v.loss());
                    }
                }
                session.epochEnd(epoch, last, extra);
                ObjectNode line = Json.JSON.valueToTree(last);
                extra.forEach((k, val2) -> line.set(k, Json.JSON.valueToTree(val2)));
                metricsLines.add(Json.line(line));
                progress.epochEnd(
                        String.format(
                                "epoch %d/%d  loss %.4f  train acc %.4f%s  test acc %.4f  lr %.4g "
                                        + " %.1f s  (%.0f samples/s%s)",
                                epoch + 1,
                                settings.epochs(),
                                last.trainLoss(),
                                last.trainAccuracy(),
                                v == null ? "" : String.format("  val acc %.4f", v.accuracy()),
                                t.accuracy(),
                                last.lr(),
                                epochSeconds,
                                seen / Math.max(epochSeconds, 1e-9),
                                session.progressLabel()));
                boolean improved = v != null && v.accuracy() > bestVal;
                if (improved) {
                    bestVal = v.accuracy();
                    bestEpoch = epoch + 1;
                }
                if (folder != null) {
                    RunFolder.writeAtomic(folder.metrics(), String.join("\n", metricsLines) + "\n");
                    Checkpoint.State done =
                            new Checkpoint.State(
                                    epoch + 1,
                                    0,
                                    step,
                                    ledger.trainFlops(),
                                    ledger.denseTrainFlops(),
                                    0,
                                    0,
                                    0,
                                    0,
                                    wallBefore + (System.nanoTime() - runStart) / 1e9,
                                    bestVal,
                                    bestEpoch,
                                    metricsLines);
                    // best.ckpt first: a kill between the two leaves last.ckpt at the epoch before,
                    // whose resume redoes this epoch and writes best.ckpt again; the other order
                    // would resume past an improvement that best.ckpt never received.
                    if (improved) {
                        Checkpoint.save(folder.bestCheckpoint(), done, backendName, session);
                    }
                    saveLast(done, backendName, session);
                }
                epochListener.accept(last);
                if (Interruption.requested() && epoch + 1 < settings.epochs()) {
                    throw new Interruption.Stopped(epoch + 2, step, folder);
                }
                if (session.stopRequested()) {
                    break;
                }
            }
            if (last == null) {
                // Resumed a run that had already finished: report its last recorded epoch.
                last = EpochMetrics.fromLastLine(metricsLines);
                lastPerClass = perClassOfLastLine(metricsLines);
            }
            return summarize(
                    session,
                    last,
                    bestVal,
                    bestEpoch,
                    wallBefore + (System.nanoTime() - runStart) / 1e9);
        }
    }

    /**
     * Returns the optimiser steps of one epoch of a run: the training set's batches, capped by
     * {@code max_steps_per_epoch}. Pipelines use it to place a trigger's step in the schedule.
     *
     * @param c the run
     * @param data its data
     * @return steps per epoch
     */
    public static int stepsPerEpoch(TrainConfig c, DataSplits data) {
        int batches = (data.train().size() + c.batchSize - 1) / c.batchSize;
        return c.maxStepsPerEpoch > 0 ? Math.min(c.maxStepsPerEpoch, batches) : batches;
    }

    /**
     * A language model's figures from its mean loss per token (nats): bits per character (or byte),
     * the loss in bits, and perplexity, e to the loss.
     */
    static void putTextFigures(Map<String, Object> extra, String split, double natsPerToken) {
        extra.put(split + "_bits_per_character", natsPerToken / Math.log(2));
        extra.put(split + "_perplexity", Math.exp(natsPerToken));
    }

    /** The per-class accuracy a finished run recorded last, or null. */
    private static Map<String, Double> perClassOfLastLine(List<String> lines) {
        if (lines.isEmpty()) {
            return null;
        }
        try {
            var node = Json.JSON.readTree(lines.get(lines.size() - 1)).get(PER_CLASS_KEY);
            if (node == null) {
                return null;
            }
            Map<String, Double> m = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
            return m;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }

    /**
     * Writes {@code last.ckpt}, first keeping the one it replaces as {@code last.prev.ckpt}: a kill
     * between the two renames leaves the previous one, a damaged latest one falls back to it.
     */
    private void saveLast(Checkpoint.State state, String backendName, TrainingSession session) {
        Path last = folder.lastCheckpoint();
        try {
            if (Files.isRegularFile(last)) {
                RunFolder.moveOver(last, folder.previousCheckpoint());
            }
        } catch (java.io.IOException e) {
            throw new SprigException(
                    "cannot keep the previous checkpoint of "
                            + folder.dir()
                            + ": "
                            + e.getMessage());
        }
        Checkpoint.save(last, state, backendName, session);
    }

    /** A checkpoint a resumed run continues from, read (and verified) once. */
    private record ResumePoint(Path file, Checkpoint.Contents contents) {}

    private static ResumePoint read(Path file, ExecutionBackend backend) {
        return new ResumePoint(
                file, backend == null ? Checkpoint.read(file) : backend.readCheckpoint(file));
    }

    /**
     * The config whose {@code exec} picks the backend: a resumed {@code auto} run continues on the
     * backend its checkpoint names (auto may measure a CNN's paths differently on another machine
     * or day, and a run must not change paths halfway).
     */
    private TrainConfig resumedExec() {
        if (!resume || !config.exec.equalsIgnoreCase("auto")) {
            return config;
        }
        for (Path file : List.of(folder.lastCheckpoint(), folder.previousCheckpoint())) {
            if (Files.isRegularFile(file)) {
                try {
                    TrainConfig c = config.copy();
                    String written = Checkpoint.read(file).backend();
                    c.exec = Checkpoint.ENGINE.equals(written) ? "dense" : written;
                    return c;
                } catch (SprigException unreadable) {
                    // a damaged or older file: resumePoint reports it; auto decides as usual
                }
            }
        }
        return config;
    }

    /**
     * Chooses the checkpoint a resumed run continues from: the latest, or the one before it with a
     * warning when the latest is damaged or missing; null when the run never wrote one.
     */
    private ResumePoint resumePoint(ExecutionBackend backend) {
        Path last = folder.lastCheckpoint();
        Path previous = folder.previousCheckpoint();
        if (Files.isRegularFile(last)) {
            try {
                return read(last, backend);
            } catch (SprigException damaged) {
                if (!Files.isRegularFile(previous)) {
                    throw damaged;
                }
                System.err.println(
                        "warning: "
                                + damaged.getMessage()
                                + "; resuming from the checkpoint"
                                + " before it, "
                                + previous);
                return read(previous, backend);
            }
        }
        return Files.isRegularFile(previous) ? read(previous, backend) : null;
    }

    /**
     * The message of a diverged run: a checkpoint that exists (or none) and a command that works.
     */
    private SprigException diverged(int epoch, long step, double loss) {
        String where =
                String.format(
                        java.util.Locale.ROOT,
                        "training diverged at epoch %d, step %d: loss is %s",
                        epoch + 1,
                        step,
                        loss);
        double lower = config.lr / 10;
        if (folder == null) {
            return new SprigException(
                    where
                            + "; no checkpoint is kept without an output folder: train again with a"
                            + " lower lr (e.g. "
                            + lower
                            + ")");
        }
        if (Files.isRegularFile(folder.lastCheckpoint())) {
            return new SprigException(
                    where
                            + "; the last good checkpoint is "
                            + folder.lastCheckpoint()
                            + "; continue from it with a lower rate: sprig train --resume --out "
                            + folder.dir()
                            + " --lr "
                            + lower);
        }
        return new SprigException(
                where
                        + "; no checkpoint was written yet: start again with a lower rate:"
                        + " sprig train --overwrite --out "
                        + folder.dir()
                        + " --lr "
                        + lower);
    }

    private RunSummary summarize(
            TrainingSession session,
            EpochMetrics last,
            double bestVal,
            int bestEpoch,
            double wall) {
        LayerDensities d = session.densities();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("train_accuracy", last.trainAccuracy());
        if (bestEpoch > 0) {
            extra.put("best_val_accuracy", bestVal);
            extra.put("best_epoch", bestEpoch);
        }
        extra.put("steps", last.step());
        extra.put("device", session.device());
        if (!data.description().isEmpty()) {
            extra.put("data", data.description());
        }
        if (lastPerClass != null) {
            extra.put("per_class_accuracy", lastPerClass);
        }
        extra.put("sprig_version", Sprig.VERSION);
        if (engineReason != null) {
            extra.put("exec_reason", engineReason);
        }
        if (data.sequenceLength() > 0) {
            putTextFigures(extra, "test", last.testLoss());
        }
        session.end(extra);
        RunSummary summary =
                new RunSummary(
                        settings.method(),
                        settings.model(),
                        data.dataset(),
                        last.testAccuracy(),
                        last.testLoss(),
                        session.sparsity(),
                        session.parameterCount(),
                        cost.parameters(session.layers(), d),
                        last.trainFlops(),
                        last.denseTrainFlops(),
                        cost.forwardFlops(session.layers(), d),
                        wall,
                        last.epoch(),
                        settings.seed(),
                        extra);
        if (folder != null) {
            RunFolder.writeAtomic(folder.summary(), Json.pretty(summary.toMap()) + "\n");
        }
        return summary;
    }
}
