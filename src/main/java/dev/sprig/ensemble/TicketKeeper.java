package dev.sprig.ensemble;

import dev.sprig.train.Checkpoint;
import dev.sprig.train.EpochContext;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.TrainingHook;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps one ticket per EDST refinement phase: at the end of every epoch of phase i, if the
 * validation accuracy beats the phase's best, the model is written to {@code member-i/}
 * (FreeTickets' {@code main_EDST.py} saves {@code model_{i}.pth} the same way and resets the
 * tracker when a phase begins). Without a validation split the last epoch of each phase is the
 * ticket.
 *
 * <p>The per-phase best is hook state, so a resumed run keeps the tickets it already chose.
 */
final class TicketKeeper implements TrainingHook {
    private final TrainConfig config;
    private final Path ensembleDir;
    private final int exploreEpochs;
    private final int phaseEpochs;
    private final int members;
    private final double[] best;

    TicketKeeper(
            TrainConfig config, Path ensembleDir, int exploreEpochs, int phaseEpochs, int members) {
        this.config = config;
        this.ensembleDir = ensembleDir;
        this.exploreEpochs = exploreEpochs;
        this.phaseEpochs = phaseEpochs;
        this.members = members;
        this.best = new double[members];
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
    }

    /**
     * Which refinement phase an epoch belongs to.
     *
     * @param epoch 0-based epoch
     * @return 0-based phase, or -1 during exploration; epochs left over after M whole phases belong
     *     to the last
     */
    int phaseOf(int epoch) {
        if (epoch < exploreEpochs) {
            return -1;
        }
        return Math.min(members - 1, (epoch - exploreEpochs) / phaseEpochs);
    }

    @Override
    public void onEpochEnd(EpochContext ctx) {
        int phase = phaseOf(ctx.epoch());
        if (phase < 0) {
            return;
        }
        Double val = ctx.metrics().valAccuracy();
        double score = val == null ? ctx.epoch() : val; // no validation: the latest epoch wins
        if (score <= best[phase]) {
            return;
        }
        best[phase] = score;
        Path dir = ensembleDir.resolve(FreeTickets.memberName(phase));
        var m = ctx.metrics();
        try {
            java.nio.file.Files.createDirectories(dir.resolve("checkpoints"));
        } catch (IOException e) {
            throw new dev.sprig.SprigException("cannot create " + dir + ": " + e.getMessage());
        }
        Checkpoint.save(
                dir.resolve("checkpoints/best.ckpt"),
                new Checkpoint.State(
                        ctx.epoch() + 1,
                        0,
                        m.step(),
                        m.trainFlops(),
                        m.denseTrainFlops(),
                        0,
                        0,
                        0,
                        0,
                        0,
                        val == null ? -1 : val,
                        ctx.epoch() + 1,
                        List.of()),
                ctx.run().model(),
                ctx.run().optimizer(),
                List.of());
        RunFolder.writeAtomic(dir.resolve("config.yaml"), Json.toYaml(config));
        Map<String, Object> ticket = new LinkedHashMap<>();
        ticket.put("phase", phase + 1);
        ticket.put("epoch", ctx.epoch() + 1);
        ticket.put("val_accuracy", val);
        ticket.put("test_accuracy", m.testAccuracy());
        ticket.put("test_loss", m.testLoss());
        RunFolder.writeAtomic(dir.resolve("ticket.json"), Json.pretty(ticket) + "\n");
        ctx.extra().put("ticket", phase + 1);
    }

    @Override
    public String stateKey() {
        return "edst-tickets";
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        out.writeInt(best.length);
        for (double b : best) {
            out.writeDouble(b);
        }
    }

    @Override
    public void loadState(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n != best.length) {
            throw new IOException(
                    "the checkpoint tracks " + n + " EDST phases, this run " + best.length);
        }
        for (int i = 0; i < n; i++) {
            best[i] = in.readDouble();
        }
    }
}
