package dev.sprig.ensemble;

import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.train.BudgetView;
import dev.sprig.train.Json;
import dev.sprig.train.Method;
import dev.sprig.train.Methods;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sparse ensembles almost for free (Liu et al., "Deep Ensembling with No Overhead for either
 * Training or Testing: The All-Round Blessings of Dynamic Sparsity", ICLR 2022, arXiv 2106.14568),
 * and the baselines they are measured against. Four methods, each an ensemble folder whose members
 * are ordinary run folders ({@code member-1/} …, read by {@link MemberModel}):
 *
 * <ul>
 *   <li>{@code dst-ensemble}: M independent dynamic-sparse runs with different seeds;
 *   <li>{@code edst-ensemble}: one dynamic-sparse run — an exploration phase at a high constant
 *       rate, then M refinement phases, each yielding the best-validation ticket of the phase, with
 *       a global exploration jump (drop and regrow a fraction q of every layer) at the start of
 *       phases 2…M;
 *   <li>{@code pf-ensemble}: M dense runs, each pruned one-shot by global magnitude and fine-tuned;
 *   <li>{@code dense-ensemble}: M dense runs, the deep-ensemble reference.
 * </ul>
 *
 * <p>Defaults are the authors' ({@link #defaults}, anchors §4): ERK density 0.2, drop fraction 0.5
 * every 1000 steps with no decay and no end (their {@code CosineDecay} is built but never used),
 * magnitude drop, gradient growth (the growth is an option: the authors' scripts use random growth
 * for some settings), SGD 0.1 with weight decay 5e-4 and ×0.1 at 50% and 75% of training, EDST's
 * exploration a third of the epochs, refinement rate 0.01 divided by 10 half-way, q = 0.8.
 *
 * <p>Differs from the authors' code: regrown weights start with zero momentum (RigL's rule; their
 * mask code leaves the momentum unmasked), and the whole training cost is charged: every member of
 * a DST or PF ensemble, the dense pre-training of PF included.
 */
public final class FreeTickets {
    /** The four ensembles: how members are trained and which published settings they take. */
    public enum Kind {
        /** M independent dynamic-sparse runs (FreeTickets' DST ensemble). */
        DST("dst-ensemble"),
        /** One dynamic-sparse run whose refinement phases each yield a member (EDST). */
        EDST("edst-ensemble"),
        /** M dense runs, each pruned one-shot and fine-tuned. */
        PF("pf-ensemble"),
        /** M independent dense runs. */
        DENSE("dense-ensemble");

        private final String method;

        Kind(String method) {
            this.method = method;
        }

        /**
         * Returns the registry key.
         *
         * @return the method name
         */
        public String method() {
            return method;
        }

        /** Whether members train with dynamic sparsity (and so take its published settings). */
        boolean dynamic() {
            return this == DST || this == EDST;
        }

        /**
         * Finds the kind of a method name.
         *
         * @param method a method name
         * @return its kind, or null for a method of another family
         */
        public static Kind of(String method) {
            for (Kind k : values()) {
                if (k.method.equalsIgnoreCase(method)) {
                    return k;
                }
            }
            return null;
        }
    }

    private static final String RUN = "run";

    private FreeTickets() {}

    /**
     * The authors' settings of a method, as config keys; a config file or flag overrides each.
     *
     * @param method an ensemble method
     * @return key to value (empty for other methods)
     */
    public static Map<String, Object> defaults(String method) {
        Kind kind = Kind.of(method);
        return kind == null ? new LinkedHashMap<>() : defaults(kind);
    }

    /**
     * The authors' settings of an ensemble, as config keys.
     *
     * @param kind the ensemble
     * @return key to value
     */
    static Map<String, Object> defaults(Kind kind) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", 0.1);
        d.put("momentum", 0.9);
        d.put("weight_decay", 5e-4);
        d.put("lr_schedule", "multistep"); // milestones at 50% and 75% of epochs unless given
        d.put("validation_fraction", 0.1);
        if (kind != Kind.DENSE) {
            d.put("sparsity", 0.8);
        }
        if (kind.dynamic()) {
            d.put("distribution", "erk");
            d.put("drop_fraction", 0.5);
            d.put("drop_schedule", "constant");
            d.put("update_interval", 1000);
            d.put("end_fraction", 1.0);
            d.put("skip_update_step", false);
        }
        return d;
    }

    /**
     * Names member i's folder.
     *
     * @param i 0-based member
     * @return {@code member-(i+1)}
     */
    public static String memberName(int i) {
        return "member-" + (i + 1);
    }

    /**
     * Trains an ensemble and evaluates it on the test set.
     *
     * @param config the ensemble's config (an ensemble method of {@link EnsembleMethods})
     * @param data data splits, shared by every member
     * @param dir the ensemble folder
     * @param mode what to do with a run already there
     * @param progress progress display
     * @return the ensemble's summary
     */
    public static RunSummary run(
            TrainConfig config, DataSplits data, Path dir, RunFolder.Mode mode, Progress progress) {
        Kind kind = Kind.of(config.method);
        if (kind == null) {
            throw new SprigException(
                    "not an ensemble method: "
                            + config.method
                            + " (known: "
                            + String.join(
                                    ", ",
                                    Methods.family(EnsembleMethods.FAMILY).stream()
                                            .map(Method::name)
                                            .toList())
                            + ")");
        }
        return run(kind, config, data, dir, mode, progress);
    }

    /**
     * Trains an ensemble of a known kind and evaluates it on the test set.
     *
     * @param kind the ensemble
     * @param config the ensemble's config
     * @param data data splits, shared by every member
     * @param dir the ensemble folder
     * @param mode what to do with a run already there
     * @param progress progress display
     * @return the ensemble's summary
     */
    static RunSummary run(
            Kind kind,
            TrainConfig config,
            DataSplits data,
            Path dir,
            RunFolder.Mode mode,
            Progress progress) {
        TrainConfig c = config.copy();
        if (c.lrSchedule.equalsIgnoreCase("multistep")
                && c.lrMilestones.isEmpty()
                && c.epochs >= 4) {
            c.lrMilestones = new ArrayList<>(List.of(c.epochs / 2, c.epochs * 3 / 4));
        }
        c.validate();
        // An overwrite clears the members too (RunFolder knows every folder Sprig writes).
        RunFolder root = RunFolder.open(dir, mode);
        if (mode != RunFolder.Mode.RESUME) {
            RunFolder.writeAtomic(root.config(), Json.toYaml(c));
        }
        long start = System.nanoTime();
        List<Path> members = new ArrayList<>();
        List<RunSummary> trained = new ArrayList<>();
        Map<String, Object> extra = new LinkedHashMap<>();
        if (kind == Kind.EDST) {
            trained.add(edst(c, data, dir, members, extra, progress));
        } else {
            List<List<Path>> jobs = new ArrayList<>();
            for (int i = 0; i < c.members; i++) {
                Path member = dir.resolve(memberName(i));
                members.add(member);
                TrainConfig m = c.copy();
                m.members = 1;
                m.workers = 1;
                m.seed = c.seed + i;
                List<Path> phases = new ArrayList<>();
                switch (kind) {
                    case DST -> m.method = sparseMethod(c);
                    case DENSE -> m.method = "dense";
                    default -> {
                        TrainConfig dense = m.copy();
                        dense.method = "dense";
                        Path denseDir = dir.resolve("dense-" + (i + 1));
                        writeMemberConfig(denseDir, dense);
                        phases.add(denseDir);
                        m.method = "pf";
                        m.pruneFrom = denseDir.toAbsolutePath().toString();
                        m.epochs =
                                c.finetuneEpochs > 0 ? c.finetuneEpochs : Math.max(1, c.epochs / 4);
                        m.lr = c.pfLr;
                        m.lrSchedule = "constant";
                        m.lrMilestones = new ArrayList<>();
                        m.warmupEpochs = 0;
                    }
                }
                writeMemberConfig(member, m);
                phases.add(member);
                jobs.add(phases);
            }
            trained.addAll(MemberRunner.runAll(jobs, c.workers, c.master, data, c.seed, progress));
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return summarize(kind, c, data, root, members, trained, extra, elapsed);
    }

    /** Dynamic sparse method of the members: the growth criterion picks it. */
    private static String sparseMethod(TrainConfig c) {
        return EnsembleOptions.from(c).growth().method();
    }

    private static void writeMemberConfig(Path dir, TrainConfig m) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SprigException("cannot create " + dir + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(dir.resolve("checkpoints/last.ckpt"))) {
            RunFolder.writeAtomic(dir.resolve("config.yaml"), Json.toYaml(m));
        }
    }

    /**
     * The EDST run: one dynamic-sparse training whose learning rate restarts for each refinement
     * phase, with exploration jumps between phases and a {@link TicketKeeper} saving the tickets.
     * It trains on the engine path, whose hooks see every epoch.
     */
    private static RunSummary edst(
            TrainConfig c,
            DataSplits data,
            Path dir,
            List<Path> members,
            Map<String, Object> extra,
            Progress progress) {
        EnsembleOptions.EdstPhases phases = EnsembleOptions.from(c).edstPhases(c.epochs);
        int explore = phases.explore();
        int phase = phases.phase();
        TrainConfig r = c.copy();
        r.method = sparseMethod(c);
        r.exec = "dense";
        r.lrSchedule = "piecewise";
        r.lrPoints = edstRates(c.lr, c.edstRefineLr, c.epochs, explore, phase, c.members);
        r.lrMilestones = new ArrayList<>();
        r.explorationEpochs = new ArrayList<>();
        for (int k = 1; k < c.members; k++) {
            r.explorationEpochs.add(explore + k * phase);
        }
        r.validate();
        for (int i = 0; i < c.members; i++) {
            members.add(dir.resolve(memberName(i)));
        }
        Path runDir = dir.resolve(RUN);
        boolean resume = Files.isRegularFile(runDir.resolve("checkpoints/last.ckpt"));
        List<TrainingHook> hooks = new ArrayList<>(Methods.hooksFor(r));
        hooks.add(new TicketKeeper(r, dir, explore, phase, c.members));
        RunSummary s =
                new Trainer(
                                r,
                                data,
                                RunFolder.open(
                                        runDir,
                                        resume ? RunFolder.Mode.RESUME : RunFolder.Mode.OVERWRITE),
                                hooks,
                                resume)
                        .progress(progress)
                        .run();
        extra.put("edst_explore_epochs", explore);
        extra.put("edst_phase_epochs", phase);
        extra.put("exploration_epochs", r.explorationEpochs);
        extra.put("lr_points", r.lrPoints);
        extra.put("budget", exploreBudget(runDir, explore, c, data, s.denseTrainFlops()));
        return s;
    }

    /**
     * EDST's budget view: the end of exploration as a fraction of the schedule, and the FLOPs and
     * training seconds of exploration and of the refinement phases, from the run's metrics.
     */
    private static Map<String, Object> exploreBudget(
            Path runDir, int explore, TrainConfig c, DataSplits data, double dense) {
        double flopsBefore = 0;
        double flopsAll = 0;
        double secondsBefore = 0;
        double secondsAll = 0;
        try {
            for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
                var m = Json.JSON.readTree(line);
                int epoch = m.path("epoch").asInt();
                flopsAll = m.path("train_flops").asDouble();
                secondsAll += m.path("epoch_seconds").asDouble();
                if (epoch <= explore) {
                    flopsBefore = flopsAll;
                    secondsBefore = secondsAll;
                }
            }
        } catch (IOException e) {
            throw new SprigException("cannot read " + runDir.resolve("metrics.jsonl"));
        }
        int stepsPerEpoch = Trainer.stepsPerEpoch(c, data);
        return new BudgetView(
                        "exploration_end",
                        (long) explore * stepsPerEpoch,
                        stepsPerEpoch,
                        c.epochs,
                        flopsBefore,
                        flopsAll - flopsBefore,
                        secondsBefore,
                        secondsAll - secondsBefore)
                .toMap(dense);
    }

    /**
     * EDST's learning rates: the base rate while exploring, then each phase at the refinement rate,
     * a tenth of it from half-way (FreeTickets' {@code minestone2}); the last phase absorbs epochs
     * left over after M equal phases.
     *
     * @param lr exploration rate
     * @param refine refinement rate
     * @param epochs all epochs
     * @param explore exploration epochs
     * @param phase epochs per phase
     * @param members M
     * @return rate from each epoch on
     */
    static TreeMap<Integer, Double> edstRates(
            double lr, double refine, int epochs, int explore, int phase, int members) {
        TreeMap<Integer, Double> p = new TreeMap<>();
        p.put(0, lr);
        for (int k = 0; k < members; k++) {
            int begin = explore + k * phase;
            int length = k == members - 1 ? epochs - begin : phase;
            p.put(begin, refine);
            if (length / 2 >= 1) {
                p.put(begin + length / 2, refine / 10);
            }
        }
        return p;
    }

    private static RunSummary summarize(
            Kind kind,
            TrainConfig c,
            DataSplits data,
            RunFolder root,
            List<Path> members,
            List<RunSummary> trained,
            Map<String, Object> extra,
            double elapsed) {
        List<Predictions> predictions = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        long params = 0;
        long nonzero = 0;
        long inference = 0;
        double sparsity = 0;
        var shape = data.test();
        for (Path m : members) {
            try (MemberModel model = MemberModel.open(m, shape, Sprig.device(c.device))) {
                Predictions p = model.predict(data.test(), data.normalization(), c.evalBatchSize);
                predictions.add(p);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("member", root.dir().relativize(m).toString());
                row.put("checkpoint", model.checkpoint());
                row.put("test_accuracy", p.accuracy());
                row.put("test_nll", p.nll());
                row.put("ece", Calibration.ece(p, Calibration.DEFAULT_BINS));
                rows.add(row);
            }
        }
        // Size and inference cost: every member's (the ensemble runs them all).
        boolean oneRun = kind == Kind.EDST;
        for (Path m : members) {
            RunSummary s = oneRun ? trained.get(0) : RunSummary.read(m);
            params += s.params();
            nonzero += s.nonzeroParams();
            inference += s.inferenceFlops();
            sparsity += s.sparsity() / members.size();
        }
        double trainFlops = trained.stream().mapToDouble(RunSummary::trainFlops).sum();
        double denseTrainFlops =
                trained.stream()
                        .filter(s -> s.epochs() == c.epochs)
                        .mapToDouble(RunSummary::denseTrainFlops)
                        .findFirst()
                        .orElse(trained.get(0).denseTrainFlops());
        double wall = trained.stream().mapToDouble(RunSummary::wallSeconds).sum();
        Predictions ensemble = Predictions.mean(predictions);
        extra.put("members", rows);
        extra.put("ensemble_size", members.size());
        extra.put("test_nll", ensemble.nll());
        extra.put("test_brier", ensemble.brier());
        extra.put("test_ece", Calibration.ece(ensemble, Calibration.DEFAULT_BINS));
        if (predictions.size() > 1) {
            extra.put("disagreement", Diversity.disagreement(predictions));
            extra.put("kl_divergence", Diversity.kl(predictions));
        }
        extra.put("train_flops_vs_one_dense", trainFlops / denseTrainFlops);
        extra.put("elapsed_seconds", elapsed);
        extra.put(
                "wall_seconds_note",
                "sum of every training run's wall time (the compute spent, whatever --workers)");
        RunSummary summary =
                new RunSummary(
                        c.method,
                        c.model,
                        data.dataset(),
                        ensemble.accuracy(),
                        ensemble.nll(),
                        sparsity,
                        params,
                        nonzero,
                        trainFlops,
                        denseTrainFlops,
                        inference,
                        wall,
                        c.epochs,
                        c.seed,
                        extra);
        RunFolder.writeAtomic(root.summary(), Json.pretty(summary.toMap()) + "\n");
        RunFolder.writeAtomic(root.metrics(), metricsLines(kind, root.dir(), c) + "\n");
        return summary;
    }

    /** The runs' epoch lines, each tagged with the folder it came from. */
    private static String metricsLines(Kind kind, Path dir, TrainConfig c) {
        List<String> lines = new ArrayList<>();
        List<Path> runs = new ArrayList<>();
        if (kind == Kind.EDST) {
            runs.add(dir.resolve(RUN));
        } else {
            for (int i = 0; i < c.members; i++) {
                if (kind == Kind.PF) {
                    runs.add(dir.resolve("dense-" + (i + 1)));
                }
                runs.add(dir.resolve(memberName(i)));
            }
        }
        for (Path r : runs) {
            try {
                for (String line : Files.readAllLines(r.resolve("metrics.jsonl"))) {
                    var node =
                            (com.fasterxml.jackson.databind.node.ObjectNode)
                                    Json.JSON.readTree(line);
                    node.put("run", dir.relativize(r).toString());
                    lines.add(Json.line(node));
                }
            } catch (IOException e) {
                throw new SprigException(
                        "cannot read " + r.resolve("metrics.jsonl") + ": " + e.getMessage());
            }
        }
        return String.join("\n", lines);
    }
}
