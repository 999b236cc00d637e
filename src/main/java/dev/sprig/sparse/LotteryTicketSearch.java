package dev.sprig.sparse;

import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.SprigModel;
import dev.sprig.train.Json;
import dev.sprig.train.Progress;
import dev.sprig.train.RunContext;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Iterative magnitude pruning with weight rewinding, the lottery-ticket procedure (Frankle and
 * Carbin, arXiv:1803.03635; rewinding to an early step: Frankle et al., arXiv:1903.01611).
 *
 * <p>Round 0 trains densely and records the weights after {@code rewind_step} steps. After each
 * round the surviving weights of smallest magnitude are pruned per layer until the layer holds the
 * distribution's count for \( s_r = 1 - (1 - S)^{r/R} \); the next round restarts from the rewound
 * weights under the new mask with the full schedule. Round R trains the final ticket at sparsity S.
 * Each round is an ordinary run folder ({@code round-0}, …) and resumes on its own.
 *
 * <p>Cost: {@code train_flops} adds up all rounds; {@code dense_train_flops} is one dense training
 * of the same schedule, so their ratio shows what the search costs (above 1).
 */
public final class LotteryTicketSearch {
    private static final String REWIND_FILE = "rewind.params";
    private static final String NEXT_MASK_FILE = "next-mask.bin";

    private LotteryTicketSearch() {}

    /** {@code lth} in the method registry: several trainings into round folders. */
    static final class LthMethod implements dev.sprig.train.Method {
        @Override
        public String name() {
            return "lth";
        }

        @Override
        public String family() {
            return SparseMethods.FAMILY;
        }

        @Override
        public String description() {
            return "iterative magnitude pruning with rewinding (lottery tickets)";
        }

        @Override
        public List<dev.sprig.train.OptionGroup> options() {
            return List.of(SparseMethods.SPARSITY, SparseMethods.PRUNING);
        }

        @Override
        public RunSummary run(dev.sprig.train.MethodRun r) {
            return LotteryTicketSearch.run(
                    r.config(),
                    r.data(),
                    RunFolder.open(r.dir(), r.mode()),
                    r.resume(),
                    r.progress());
        }
    }

    /**
     * Runs every round.
     *
     * @param config config with method {@code lth}
     * @param data data splits
     * @param folder the top-level run folder
     * @param resume whether to continue an interrupted search
     * @param progress progress reporter
     * @return the summary of the final ticket, with the search's whole cost
     */
    public static RunSummary run(
            TrainConfig config,
            DataSplits data,
            RunFolder folder,
            boolean resume,
            Progress progress) {
        if (!resume) {
            RunFolder.writeAtomic(folder.config(), Json.toYaml(config));
        }
        int rounds = config.lthRounds;
        byte[] masks = null;
        double flops = 0;
        double denseFlops = 0;
        RunSummary last = null;
        List<Map<String, Object>> history = new ArrayList<>();
        List<String> metrics = new ArrayList<>();
        for (int r = 0; r <= rounds; r++) {
            double sparsity = 1 - Math.pow(1 - config.sparsity, (double) r / rounds);
            double nextSparsity =
                    r == rounds ? -1 : 1 - Math.pow(1 - config.sparsity, (double) (r + 1) / rounds);
            Path dir = folder.dir().resolve("round-" + r);
            boolean started = Files.isRegularFile(dir.resolve("checkpoints/last.ckpt"));
            RunFolder roundFolder =
                    RunFolder.open(dir, started ? RunFolder.Mode.RESUME : RunFolder.Mode.OVERWRITE);
            Ticket ticket =
                    new Ticket(
                            config,
                            r,
                            sparsity,
                            nextSparsity,
                            masks,
                            folder.dir().resolve(REWIND_FILE));
            RunSummary s =
                    new Trainer(config, data, roundFolder, List.of(ticket), started)
                            .progress(progress)
                            .run();
            if (r < rounds) {
                RunFolder.writeAtomic(dir.resolve(NEXT_MASK_FILE), ticket.nextMasks);
                masks = ticket.nextMasks;
            }
            flops += s.trainFlops();
            denseFlops = s.denseTrainFlops();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("round", r);
            row.put("sparsity", s.sparsity());
            row.put("test_accuracy", s.testAccuracy());
            row.put("train_flops", s.trainFlops());
            history.add(row);
            try {
                for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
                    var node =
                            (com.fasterxml.jackson.databind.node.ObjectNode)
                                    Json.JSON.readTree(line);
                    node.put("round", r);
                    metrics.add(Json.line(node));
                }
            } catch (IOException e) {
                throw new SprigException(
                        "cannot read " + dir.resolve("metrics.jsonl") + ": " + e.getMessage());
            }
            last = s;
        }
        Map<String, Object> extra = new LinkedHashMap<>(last.extra());
        extra.put("rounds", history);
        extra.put("rewind_step", config.rewindStep);
        RunSummary summary =
                new RunSummary(
                        "lth",
                        last.model(),
                        last.dataset(),
                        last.testAccuracy(),
                        last.testLoss(),
                        last.sparsity(),
                        last.params(),
                        last.nonzeroParams(),
                        flops,
                        denseFlops,
                        last.inferenceFlops(),
                        sumWall(folder, rounds),
                        last.epochs(),
                        last.seed(),
                        extra);
        RunFolder.writeAtomic(folder.metrics(), String.join("\n", metrics) + "\n");
        RunFolder.writeAtomic(folder.summary(), Json.pretty(summary.toMap()) + "\n");
        return summary;
    }

    private static double sumWall(RunFolder folder, int rounds) {
        double total = 0;
        for (int r = 0; r <= rounds; r++) {
            try {
                total +=
                        Json.JSON
                                .readTree(
                                        folder.dir()
                                                .resolve("round-" + r)
                                                .resolve("summary.json")
                                                .toFile())
                                .get("wall_seconds")
                                .asDouble();
            } catch (IOException e) {
                throw new SprigException("cannot read round " + r + " summary: " + e.getMessage());
            }
        }
        return total;
    }

    /** One round: rewound weights under a fixed mask; prunes by magnitude at the end. */
    static final class Ticket extends SparseUpdater {
        private final int round;
        private final double sparsity;
        private final double nextSparsity;
        private final byte[] startMasks;
        private final Path rewindFile;
        byte[] nextMasks;

        Ticket(
                TrainConfig config,
                int round,
                double sparsity,
                double nextSparsity,
                byte[] startMasks,
                Path rewindFile) {
            super(config);
            this.round = round;
            this.sparsity = sparsity;
            this.nextSparsity = nextSparsity;
            this.startMasks = startMasks;
            this.rewindFile = rewindFile;
        }

        @Override
        public String name() {
            return "lth";
        }

        @Override
        protected LayerAllocation allocate(List<LayerSpec> layers, double ignored) {
            return super.allocate(layers, sparsity);
        }

        @Override
        protected Map<String, boolean[]> initialMasks(List<LayerSpec> layers) {
            if (startMasks == null) {
                return denseMasks(layers);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(startMasks))) {
                masks.load(in);
            } catch (IOException e) {
                throw new SprigException(
                        "LTH mask of round " + (round - 1) + " does not fit: " + e.getMessage());
            }
            Map<String, boolean[]> m = new LinkedHashMap<>();
            for (String l : masks.layers()) {
                m.put(l, masks.get(l));
            }
            return m;
        }

        @Override
        public void onTrainingBegin(RunContext run) {
            boolean fresh = run.ledger().trainFlops() == 0;
            if (round > 0 && fresh) {
                try (DataInputStream in =
                        new DataInputStream(
                                new ByteArrayInputStream(Files.readAllBytes(rewindFile)))) {
                    run.model().loadParameters(in);
                } catch (IOException e) {
                    throw new SprigException(
                            "cannot read rewound weights " + rewindFile + ": " + e.getMessage());
                }
            }
            super.onTrainingBegin(run);
            if (round == 0 && fresh && config.rewindStep == 0) {
                snapshot(run.model());
            }
        }

        @Override
        public void afterOptimizerStep(StepContext step) {
            super.afterOptimizerStep(step);
            if (round == 0 && step.step() + 1 == config.rewindStep) {
                snapshot(step.run().model());
            }
        }

        private void snapshot(SprigModel model) {
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                model.saveParameters(new DataOutputStream(bytes));
                RunFolder.writeAtomic(rewindFile, bytes.toByteArray());
            } catch (IOException e) {
                throw new SprigException("cannot save rewind weights: " + e.getMessage());
            }
        }

        @Override
        public void onTrainingEnd(RunContext run) {
            super.onTrainingEnd(run);
            if (round == 0 && !Files.isRegularFile(rewindFile)) {
                throw new SprigException(
                        "rewind_step "
                                + config.rewindStep
                                + " is beyond the "
                                + (long) run.stepsPerEpoch() * config.epochs
                                + " steps of a round");
            }
            if (nextSparsity < 0) {
                return;
            }
            pruneByMagnitudeTo(super.allocate(prunableLayers(), nextSparsity));
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                masks.save(new DataOutputStream(bytes));
                nextMasks = bytes.toByteArray();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
