package dev.sprig.epi;

import ai.djl.ndarray.NDArray;
import dev.sprig.models.SprigModel;
import dev.sprig.structured.ChannelMask;
import dev.sprig.structured.CouplingGraph;
import dev.sprig.structured.EpiTrigger;
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
 * The warm-up phase's observer: after every epoch it scores channels, picks the dominant
 * sub-network under the budget, feeds its per-layer widths to the {@link EpiTrigger} and, when the
 * trigger fires (or at a fixed epoch in oracle mode), hands the run over to the pruned phase and
 * stops it. Taylor scores are accumulated over the steps of each epoch.
 */
public final class EpiMonitor implements TrainingHook {
    /** Receives the sub-network to prune to. */
    @FunctionalInterface
    public interface PruneHandler {
        /**
         * Called once, at the pruning point.
         *
         * @param epoch epochs trained
         * @param mask the dominant sub-network
         * @param run the live run
         */
        void prune(int epoch, ChannelMask mask, RunContext run);
    }

    private final ChannelImportance importance;
    private final ResourceBudget budget;
    private final EpiTrigger trigger;
    private final int fixedEpoch;
    private final PruneHandler handler;
    private final Map<String, float[]> taylorSum = new LinkedHashMap<>();
    private final List<int[]> history = new ArrayList<>();
    private long taylorSteps;
    private boolean pruned;

    /**
     * Creates the monitor.
     *
     * @param importance channel scores
     * @param budget resource budget
     * @param trigger the EPI trigger
     * @param fixedEpoch prune after this many epochs regardless of EPI (oracle), or −1
     * @param handler performs the pruning
     */
    public EpiMonitor(
            ChannelImportance importance,
            ResourceBudget budget,
            EpiTrigger trigger,
            int fixedEpoch,
            PruneHandler handler) {
        this.importance = importance;
        this.budget = budget;
        this.trigger = trigger;
        this.fixedEpoch = fixedEpoch;
        this.handler = handler;
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
    public void onEpochEnd(EpochContext e) {
        RunContext run = e.run();
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
        int[] widths = mask.counts().values().stream().mapToInt(Integer::intValue).toArray();
        history.add(widths);
        boolean fire = trigger.observe(widths);
        int epochs = e.epoch() + 1;
        List<Double> series = trigger.series();
        double epi = series.get(series.size() - 1);
        e.extra().put("epi", Double.isNaN(epi) ? null : epi);
        e.extra().put("dominant_widths", mask.counts());
        if (!pruned && (fixedEpoch >= 0 ? epochs == fixedEpoch : fire)) {
            pruned = true;
            handler.prune(epochs, mask, run);
            run.requestStop();
        }
    }

    /**
     * Returns the EPI series so far (NaN before it is defined).
     *
     * @return EPI per epoch
     */
    public List<Double> series() {
        return trigger.series();
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
    }
}
