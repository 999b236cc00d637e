package dev.sprig.structured;

import dev.sprig.SprigException;
import dev.sprig.models.SprigModel;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Json;
import dev.sprig.train.RunContext;
import dev.sprig.train.RunFolder;
import dev.sprig.train.SgdOptimizer;
import dev.sprig.train.TrainConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands a live training run over to the next phase on a thinner network: shrinks the model to a
 * channel mask and writes the next phase's run folder (its config with the thin widths and, when
 * weights carry over, a checkpoint positioned where the next phase starts), so the next phase is an
 * ordinary, resumable run. Early-Bird, network slimming and EPI all end their first phase here.
 */
public final class Handoff {
    private Handoff() {}

    /**
     * How the next phase starts.
     *
     * @param carryWeights start from the surviving weights (false: re-initialise from the seed)
     * @param carryMomentum also carry the optimizer's momentum for surviving weights
     * @param startStep optimiser step the next phase starts at (the schedule, and the batch order
     *     of a phase that starts mid-epoch, continue from there)
     * @param carryCost whether the next phase's FLOP ledger starts from this run's
     */
    public record Start(
            boolean carryWeights, boolean carryMomentum, long startStep, boolean carryCost) {}

    /**
     * Writes the next phase.
     *
     * @param dir the next phase's folder (replaced)
     * @param next its configuration (the thin widths are filled in here)
     * @param mask the channels that survive
     * @param run the live run
     * @param start how it starts
     * @param stepTaken the optimiser steps trained when the mask was taken, for {@code ticket.json}
     */
    public static void write(
            Path dir,
            TrainConfig next,
            ChannelMask mask,
            RunContext run,
            Start start,
            long stepTaken) {
        write(
                dir,
                next,
                mask,
                run.model(),
                run.optimizer(),
                start.carryCost() ? run.ledger().trainFlops() : 0,
                start.carryCost() ? run.ledger().denseTrainFlops() : 0,
                run.stepsPerEpoch(),
                start,
                stepTaken);
    }

    /**
     * Writes the next phase from a model outside any run (pruning at initialisation).
     *
     * @param dir the next phase's folder (replaced)
     * @param next its configuration (the thin widths are filled in here)
     * @param mask the channels that survive
     * @param big the full model
     * @param optimizer its optimizer, or null
     * @param flops training FLOPs so far
     * @param dense dense-equivalent FLOPs so far
     * @param stepsPerEpoch optimiser steps per epoch of the schedule
     * @param start how the next phase starts
     * @param stepTaken the optimiser steps trained when the mask was taken
     */
    public static void write(
            Path dir,
            TrainConfig next,
            ChannelMask mask,
            SprigModel big,
            SgdOptimizer optimizer,
            double flops,
            double dense,
            int stepsPerEpoch,
            Start start,
            long stepTaken) {
        next.channelWidths = new LinkedHashMap<>(Surgeon.widths(big.ops(), mask));
        RunFolder f = RunFolder.open(dir, RunFolder.Mode.OVERWRITE);
        if (start.carryWeights()) {
            SgdOptimizer thinOpt = new SgdOptimizer(next.momentum, next.nesterov, next.weightDecay);
            try (SprigModel thin =
                    Surgeon.shrink(
                            big,
                            mask,
                            start.carryMomentum() ? optimizer : null,
                            thinOpt,
                            next.seed)) {
                Checkpoint.save(
                        f.lastCheckpoint(),
                        new Checkpoint.State(
                                (int) (start.startStep() / stepsPerEpoch),
                                (int) (start.startStep() % stepsPerEpoch),
                                start.startStep(),
                                flops,
                                dense,
                                0,
                                0,
                                0,
                                0,
                                0,
                                -1,
                                0,
                                List.of()),
                        thin,
                        thinOpt,
                        List.of());
            }
        }
        Map<String, Object> ticket = new LinkedHashMap<>();
        // "epoch" counts whole epochs (what older folders hold); "step" is exact.
        ticket.put("epoch", stepTaken / Math.max(1, stepsPerEpoch));
        ticket.put("step", stepTaken);
        ticket.put("epochs_trained", (double) stepTaken / Math.max(1, stepsPerEpoch));
        ticket.put("channel_counts", next.channelWidths);
        // The kept channels themselves: with the dense checkpoint they rebuild the ticket exactly.
        ticket.put("kept_channels", Surgeon.keptChannels(big.ops(), mask));
        RunFolder.writeAtomic(dir.resolve("ticket.json"), Json.pretty(ticket) + "\n");
        RunFolder.writeAtomic(f.config(), Json.toYaml(next));
    }

    /**
     * Reads the epoch a phase's mask was taken at.
     *
     * @param dir a folder written by {@link #write}
     * @return the epoch
     */
    public static int epochTaken(Path dir) {
        return ticket(dir).get("epoch").asInt();
    }

    /**
     * Reads the optimiser step a phase's mask was taken at.
     *
     * @param dir a folder written by {@link #write}
     * @param stepsPerEpoch steps per epoch (for folders written before steps were recorded)
     * @return the step
     */
    public static long stepTaken(Path dir, int stepsPerEpoch) {
        com.fasterxml.jackson.databind.JsonNode t = ticket(dir);
        return t.has("step")
                ? t.get("step").asLong()
                : (long) t.get("epoch").asInt() * stepsPerEpoch;
    }

    private static com.fasterxml.jackson.databind.JsonNode ticket(Path dir) {
        try {
            return Json.JSON.readTree(dir.resolve("ticket.json").toFile());
        } catch (java.io.IOException e) {
            throw new SprigException(
                    "cannot read " + dir.resolve("ticket.json") + ": " + e.getMessage());
        }
    }
}
