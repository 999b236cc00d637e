package dev.sprig.earlybird;

import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.MaskDistanceTrigger;
import dev.sprig.structured.ObservationInterval;
import dev.sprig.structured.Surgeon;
import dev.sprig.train.EpochContext;
import dev.sprig.train.RunContext;
import dev.sprig.train.StepContext;
import dev.sprig.train.TrainingHook;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws the channel mask of every searched pruning ratio at the start of training and then at each
 * observation (every epoch end, as the paper does, or every N steps: {@link ObservationInterval})
 * and feeds Early-Bird's mask-distance queue. When the target ratio's ticket appears it hands the
 * live model and optimizer to a callback (surgery) and, unless told to go on, stops the run, mid
 * epoch when it fired there.
 *
 * <p>All masks are kept (a few bits per channel per epoch), so the pairwise distance matrix of the
 * paper's heat map can be reported, and a resumed search rebuilds its queues by replaying them.
 */
public final class EarlyBirdDetector implements TrainingHook {
    /** Receives the ticket of the target ratio. */
    @FunctionalInterface
    public interface TicketHandler {
        /**
         * Called once, when the target ratio's ticket is declared.
         *
         * @param step optimiser steps trained when it was drawn
         * @param mask the ticket's channel mask
         * @param run the live run (model, optimizer, ledger)
         */
        void onTicket(long step, ChannelMask mask, RunContext run);
    }

    private final List<Double> ratios;
    private final double target;
    private final int queue;
    private final double epsilon;
    private final boolean perLayer;
    private final boolean stopAtTicket;
    private final TicketHandler handler;
    private final ObservationInterval interval;
    private final Map<Double, List<ChannelMask>> masks = new LinkedHashMap<>();
    private final Map<Double, MaskDistanceTrigger> triggers = new LinkedHashMap<>();

    /** The observation (index into {@link #observedAt}) at which each ratio's ticket appeared. */
    private final Map<Double, Integer> ticketAt = new LinkedHashMap<>();

    /** The optimiser step of every observation; −1 for those restored from an older checkpoint. */
    private final List<Long> observedAt = new ArrayList<>();

    private boolean handled;
    private int stepsPerEpoch = 1;
    private long everySteps = -1; // −1: at epoch ends

    /**
     * Creates the detector.
     *
     * @param ratios pruning ratios searched together
     * @param target the ratio whose ticket is retrained (must be among {@code ratios})
     * @param queue masks in the queue (anchor: 5)
     * @param epsilon largest distance that counts as stable (anchor: 0.1)
     * @param perLayer per-layer instead of global |γ| thresholds
     * @param stopAtTicket whether the run stops at the target ticket
     * @param handler receives the target ticket, or null
     * @param interval how often the queue takes a mask
     */
    public EarlyBirdDetector(
            List<Double> ratios,
            double target,
            int queue,
            double epsilon,
            boolean perLayer,
            boolean stopAtTicket,
            TicketHandler handler,
            ObservationInterval interval) {
        if (!ratios.contains(target)) {
            throw new IllegalArgumentException(
                    "prune ratio " + target + " is not among the searched ratios " + ratios);
        }
        this.ratios = List.copyOf(ratios);
        this.target = target;
        this.queue = queue;
        this.epsilon = epsilon;
        this.perLayer = perLayer;
        this.stopAtTicket = stopAtTicket;
        this.handler = handler;
        this.interval = interval;
        for (double p : ratios) {
            masks.put(p, new ArrayList<>());
            triggers.put(p, new MaskDistanceTrigger(queue, epsilon));
        }
    }

    private void observe(RunContext run, long step) {
        Map<String, float[]> scales = Surgeon.groupScales(run.model());
        observedAt.add(step);
        for (double p : ratios) {
            ChannelMask m = ChannelMask.fromScales(scales, p, perLayer);
            masks.get(p).add(m);
            if (triggers.get(p).observe(m)) {
                ticketAt.put(p, observedAt.size() - 1);
                if (p == target && !handled) {
                    handled = true;
                    if (handler != null) {
                        handler.onTicket(step, m, run);
                    }
                    if (stopAtTicket) {
                        run.requestStop();
                    }
                }
            }
        }
    }

    @Override
    public void onTrainingBegin(RunContext run) {
        stepsPerEpoch = run.stepsPerEpoch();
        int epochs = run.config().epochs;
        everySteps =
                interval.perEpoch(stepsPerEpoch, epochs)
                        ? -1
                        : interval.steps(stepsPerEpoch, epochs);
        // Observations restored from a checkpoint written before steps were recorded were per
        // epoch.
        for (int i = 0; i < observedAt.size(); i++) {
            if (observedAt.get(i) < 0) {
                observedAt.set(i, (long) i * stepsPerEpoch);
            }
        }
        if (masks.get(target).isEmpty()) {
            observe(run, 0);
        }
    }

    @Override
    public void afterOptimizerStep(StepContext step) {
        long done = step.step() + 1;
        if (everySteps > 0 && done % everySteps == 0 && !step.run().stopRequested()) {
            observe(step.run(), done);
        }
    }

    @Override
    public void onEpochEnd(EpochContext e) {
        if (everySteps < 0) {
            observe(e.run(), (long) (e.epoch() + 1) * stepsPerEpoch);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        for (double p : ratios) {
            d.put(Double.toString(p), triggers.get(p).lastMaxDistance());
        }
        e.extra().put("eb_max_distance", d);
        e.extra().put("eb_ticket_epochs", ticketEpochsByName());
        e.extra().put("eb_ticket_steps", ticketStepsByName());
        e.extra().put("eb_observations", observedAt.size());
    }

    private Map<String, Integer> ticketEpochsByName() {
        Map<String, Integer> out = new LinkedHashMap<>();
        ticketAt.forEach(
                (k, i) -> out.put(Double.toString(k), (int) (observedAt.get(i) / stepsPerEpoch)));
        return out;
    }

    private Map<String, Long> ticketStepsByName() {
        Map<String, Long> out = new LinkedHashMap<>();
        ticketAt.forEach((k, i) -> out.put(Double.toString(k), observedAt.get(i)));
        return out;
    }

    /**
     * Returns the epoch of each ratio's ticket found so far.
     *
     * @return whole epochs trained when each ratio's ticket was drawn
     */
    public Map<Double, Integer> ticketEpochs() {
        Map<Double, Integer> out = new LinkedHashMap<>();
        ticketAt.forEach((k, i) -> out.put(k, (int) (observedAt.get(i) / stepsPerEpoch)));
        return out;
    }

    /**
     * Returns the optimiser step of each ratio's ticket found so far.
     *
     * @return steps trained when each ratio's ticket was drawn
     */
    public Map<Double, Long> ticketSteps() {
        Map<Double, Long> out = new LinkedHashMap<>();
        ticketAt.forEach((k, i) -> out.put(k, observedAt.get(i)));
        return out;
    }

    /**
     * Returns the optimiser step of every observation so far.
     *
     * @return steps, in order
     */
    public List<Long> observationSteps() {
        return List.copyOf(observedAt);
    }

    /**
     * Returns the pairwise mask distances over all epochs of one ratio (the paper's heat map).
     *
     * @param ratio a searched ratio
     * @return d[i][j] between the masks of observations i and j
     */
    public double[][] distanceMatrix(double ratio) {
        List<ChannelMask> m = masks.get(ratio);
        double[][] d = new double[m.size()][m.size()];
        for (int i = 0; i < m.size(); i++) {
            for (int j = 0; j < i; j++) {
                d[i][j] = d[j][i] = m.get(i).distance(m.get(j));
            }
        }
        return d;
    }

    /**
     * Returns the mask of one ratio at one observation (per epoch: the start of that epoch).
     *
     * @param ratio a searched ratio
     * @param observation its index
     * @return the mask
     */
    public ChannelMask mask(double ratio, int observation) {
        return masks.get(ratio).get(observation);
    }

    @Override
    public String stateKey() {
        return "earlybird";
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        out.writeBoolean(handled);
        out.writeInt(ratios.size());
        for (double p : ratios) {
            out.writeDouble(p);
            List<ChannelMask> list = masks.get(p);
            out.writeInt(list.size());
            for (ChannelMask m : list) {
                out.writeInt(m.layers().size());
                for (String layer : m.layers()) {
                    boolean[] k = m.layer(layer);
                    out.writeUTF(layer);
                    out.writeInt(k.length);
                    for (boolean b : k) {
                        out.writeBoolean(b);
                    }
                }
            }
        }
        // Appended after the masks, so checkpoints written before it still read.
        out.writeInt(observedAt.size());
        for (long st : observedAt) {
            out.writeLong(st);
        }
    }

    @Override
    public void loadState(DataInputStream in) throws IOException {
        handled = in.readBoolean();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            double p = in.readDouble();
            if (!masks.containsKey(p)) {
                throw new IOException("checkpoint searched ratio " + p + ", this run does not");
            }
            MaskDistanceTrigger t = new MaskDistanceTrigger(queue, epsilon);
            triggers.put(p, t);
            List<ChannelMask> list = masks.get(p);
            list.clear();
            int count = in.readInt();
            for (int e = 0; e < count; e++) {
                Map<String, boolean[]> m = new LinkedHashMap<>();
                int layers = in.readInt();
                for (int l = 0; l < layers; l++) {
                    String name = in.readUTF();
                    boolean[] k = new boolean[in.readInt()];
                    for (int c = 0; c < k.length; c++) {
                        k[c] = in.readBoolean();
                    }
                    m.put(name, k);
                }
                ChannelMask mask = new ChannelMask(m);
                list.add(mask);
                if (t.observe(mask)) {
                    ticketAt.put(p, e);
                }
            }
        }
        observedAt.clear();
        if (in.available() >= 4) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                observedAt.add(in.readLong());
            }
        } else {
            for (int i = 0; i < masks.get(target).size(); i++) {
                observedAt.add(-1L); // per epoch: onTrainingBegin knows the epoch length
            }
        }
    }
}
