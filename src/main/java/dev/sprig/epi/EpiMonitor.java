package dev.sprig.epi;

import ai.djl.ndarray.NDArray;
import dev.sprig.models.SprigModel;
import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.CouplingGraph;
import dev.sprig.structured.EpiTrigger;
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
 * The warm-up phase's observer: at each observation (every epoch end, as the paper does, or every N
 * steps: {@link ObservationInterval}) it scores channels, picks the dominant sub-network under the
 * budget, feeds its per-layer widths to the {@link EpiTrigger} and, when the trigger fires (or at a
 * fixed epoch in oracle mode), hands the run over to the pruned phase and stops it, mid epoch when
 * it fired there. Taylor scores are averaged over the steps since the previous observation.
 */
public final class EpiMonitor implements TrainingHook {
    /** Receives the sub-network to prune to. */
    @FunctionalInterface
    public interface PruneHandler {
        /**
         * Called once, at the pruning point.
         *
         * @param step optimiser steps trained
         * @param mask the dominant sub-network
         * @param run the live run
         */
        void prune(long step, ChannelMask mask, RunContext run);
    }

    /**
     * One observation: when it was taken and the indicator's value (NaN before it is defined).
     *
     * @param step optimiser steps trained
     * @param epi EPI at that point
     */
    public record Observation(long step, double epi) {}

    private final ChannelImportance importance;
    private final ResourceBudget budget;
    private final EpiTrigger trigger;
    private final int fixedEpoch;
    private final PruneHandler handler;
    private final ObservationInterval interval;
    private final Map<String, float[]> taylorSum = new LinkedHashMap<>();
    private final List<int[]> history = new ArrayList<>();

    /** Step of each observation; −1 for those restored from an older checkpoint. */
    private final List<Long> observedAt = new ArrayList<>();

    private long taylorSteps;
    private boolean pruned;
    private int stepsPerEpoch = 1;
    private long everySteps = -1; // −1: at epoch ends
    private int reportedUpTo;
    private ChannelMask latest;

    /**
     * Creates the monitor.
     *
     * @param importance channel scores
     * @param budget resource budget
     * @param trigger the EPI trigger
     * @param fixedEpoch prune after this many epochs regardless of EPI (oracle, always at an epoch
     *     end), or −1
     * @param handler performs the pruning
     * @param interval how often the dominant sub-network is taken
     */
    public EpiMonitor(
            ChannelImportance importance,
            ResourceBudget budget,
            EpiTrigger trigger,
            int fixedEpoch,
            PruneHandler handler,
            ObservationInterval interval) {
        this.importance = importance;
        this.budget = budget;
        this.trigger = trigger;
        this.fixedEpoch = fixedEpoch;
        this.handler = handler;
        this.interval = interval;
    }

    @Override
    public void onTrainingBegin(RunContext run) {
        stepsPerEpoch = run.stepsPerEpoch();
        int epochs = run.config().epochs;
        everySteps =
                fixedEpoch >= 0 || interval.perEpoch(stepsPerEpoch, epochs)
                        ? -1
                        : interval.steps(stepsPerEpoch, epochs);
        for (int i = 0; i < observedAt.size(); i++) {
            if (observedAt.get(i) < 0) {
                observedAt.set(i, (long) (i + 1) * stepsPerEpoch); // older checkpoints: per epoch
            }
        }
    }

    @Override
    public void afterBackward(StepContext step) {
        if (!importance.needsGradients()) {
            return;
        }
        SprigModel m = step.run().model();
        for (CouplingGraph.ChannelGroup g : Surgeon.groups(m.ops())) {
            float[] gamma = m.parameters().get(g.bn() + ".gamma").array().toFloatArray();
            float[] beta = m.parameters().get(g.bn() + ".beta").array().toFloatArray();
            NDArray gg = m.parameters().get(g.bn() + ".gamma").array().getGradient();
            gg.attach(step.manager());
            NDArray gb = m.parameters().get(g.bn() + ".beta").array().getGradient();
            gb.attach(step.manager());
            float[] dg = gg.toFloatArray();
            float[] db = gb.toFloatArray();
            float[] acc = taylorSum.computeIfAbsent(g.bn(), k -> new float[gamma.length]);
            for (int c = 0; c < acc.length; c++) {
                acc[c] += Math.abs(gamma[c] * dg[c] + beta[c] * db[c]);
            }
        }
        taylorSteps++;
    }

    @Override
    public void afterOptimizerStep(StepContext step) {
        long done = step.step() + 1;
        if (everySteps > 0 && done % everySteps == 0 && !pruned) {
            observe(step.run(), done);
        }
    }

    private void observe(RunContext run, long step) {
        Map<String, float[]> avg = new LinkedHashMap<>();
        taylorSum.forEach(
                (k, v) -> {
                    float[] a = v.clone();
                    for (int c = 0; c < a.length; c++) {
                        a[c] /= Math.max(1, taylorSteps);
                    }
                    avg.put(k, a);
                });
        ChannelMask mask = budget.dominant(run.model().ops(), importance.scores(run.model(), avg));
        taylorSum.clear();
        taylorSteps = 0;
        latest = mask;
        int[] widths = mask.counts().values().stream().mapToInt(Integer::intValue).toArray();
        history.add(widths);
        observedAt.add(step);
        boolean fire = trigger.observe(widths);
        boolean due = fixedEpoch >= 0 ? step == (long) fixedEpoch * stepsPerEpoch : fire;
        if (!pruned && due) {
            pruned = true;
            handler.prune(step, mask, run);
            run.requestStop();
        }
    }

    @Override
    public void onEpochEnd(EpochContext e) {
        if (everySteps < 0 && !pruned) {
            observe(e.run(), (long) (e.epoch() + 1) * stepsPerEpoch);
        }
        List<Observation> all = observations();
        double epi = all.isEmpty() ? Double.NaN : all.get(all.size() - 1).epi();
        e.extra().put("epi", Double.isNaN(epi) ? null : epi);
        if (latest != null) {
            e.extra().put("dominant_widths", latest.counts());
        }
        if (everySteps > 0) {
            List<Object> since = new ArrayList<>();
            for (Observation o : all.subList(Math.min(reportedUpTo, all.size()), all.size())) {
                since.add(
                        java.util.Arrays.asList(o.step(), Double.isNaN(o.epi()) ? null : o.epi()));
            }
            e.extra().put("epi_observations", since);
        }
        reportedUpTo = all.size();
    }

    /**
     * Returns the EPI series so far (NaN before it is defined), one value per observation.
     *
     * @return EPI per observation
     */
    public List<Double> series() {
        return trigger.series();
    }

    /**
     * Returns every observation so far.
     *
     * @return steps and EPI values, in order
     */
    public List<Observation> observations() {
        List<Double> epi = trigger.series();
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < epi.size(); i++) {
            out.add(new Observation(observedAt.get(i), epi.get(i)));
        }
        return out;
    }

    @Override
    public String stateKey() {
        return "epi";
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        out.writeBoolean(pruned);
        out.writeInt(history.size());
        for (int[] w : history) {
            out.writeInt(w.length);
            for (int v : w) {
                out.writeInt(v);
            }
        }
        // Appended after the widths, so checkpoints written before them still read: the steps of
        // the observations and the Taylor sums since the last one (a run resumed mid-interval
        // averages the same steps as one never stopped).
        for (long st : observedAt) {
            out.writeLong(st);
        }
        out.writeLong(taylorSteps);
        out.writeInt(taylorSum.size());
        for (Map.Entry<String, float[]> en : taylorSum.entrySet()) {
            out.writeUTF(en.getKey());
            out.writeInt(en.getValue().length);
            for (float v : en.getValue()) {
                out.writeFloat(v);
            }
        }
        out.writeInt(reportedUpTo);
    }

    @Override
    public void loadState(DataInputStream in) throws IOException {
        pruned = in.readBoolean();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            int[] w = new int[in.readInt()];
            for (int j = 0; j < w.length; j++) {
                w[j] = in.readInt();
            }
            history.add(w);
            trigger.observe(w);
        }
        observedAt.clear();
        taylorSum.clear();
        if (in.available() == 0) {
            for (int i = 0; i < n; i++) {
                observedAt.add(-1L);
            }
            reportedUpTo = n;
            return;
        }
        for (int i = 0; i < n; i++) {
            observedAt.add(in.readLong());
        }
        taylorSteps = in.readLong();
        int groups = in.readInt();
        for (int g = 0; g < groups; g++) {
            String key = in.readUTF();
            float[] v = new float[in.readInt()];
            for (int c = 0; c < v.length; c++) {
                v[c] = in.readFloat();
            }
            taylorSum.put(key, v);
        }
        reportedUpTo = in.readInt();
    }
}
