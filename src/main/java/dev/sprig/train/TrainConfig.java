package dev.sprig.train;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.sprig.SprigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Every setting of a training run, declared once: the YAML config, the command-line defaults,
 * the resolved {@code config.yaml} of a run folder and its provenance all read these fields.
 *
 * <p>Defaults are a reasonable quick CPU setting (LeNet-300-100 on MNIST); the published
 * settings of each paper live in recipes. Keys are snake_case in YAML and JSON.
 */
@JsonPropertyOrder(alphabetic = false)
public final class TrainConfig {
    @JsonPropertyDescription("training method: dense, static, snip, gmp, set, snfs, rigl")
    public String method = "dense";

    @JsonPropertyDescription("model name, see `sprig models`")
    public String model = "lenet-300-100";

    @JsonPropertyDescription("scale of every hidden width (1 = published architecture)")
    public double widthMultiplier = 1.0;

    @JsonPropertyDescription("data set: mnist, fashion-mnist, cifar-10, cifar-100, synthetic")
    public String dataset = "mnist";

    @JsonPropertyDescription("data root; null = $SPRIG_DATA or ~/.sprig/data")
    public String dataDir;

    @JsonPropertyDescription("fraction of training images held out for validation")
    public double validationFraction = 0.1;

    @JsonPropertyDescription("augmentation: auto (CIFAR only), on, off")
    public String augment = "auto";

    @JsonPropertyDescription("number of epochs")
    public int epochs = 10;

    @JsonPropertyDescription("mini-batch size")
    public int batchSize = 128;

    @JsonPropertyDescription("batch size for evaluation")
    public int evalBatchSize = 1000;

    @JsonPropertyDescription("stop each epoch after this many steps (0 = full epoch); for smoke runs")
    public int maxStepsPerEpoch = 0;

    @JsonPropertyDescription("base learning rate")
    public double lr = 0.1;

    @JsonPropertyDescription("learning-rate schedule: constant, step, multistep, cosine")
    public String lrSchedule = "cosine";

    @JsonPropertyDescription("epochs at which multistep multiplies the rate by lr_gamma")
    public List<Integer> lrMilestones = new ArrayList<>();

    @JsonPropertyDescription("epochs between decays of the step schedule")
    public int lrStepEpochs = 30;

    @JsonPropertyDescription("decay factor of the step and multistep schedules")
    public double lrGamma = 0.1;

    @JsonPropertyDescription("linear warm-up length in epochs")
    public double warmupEpochs = 0;

    @JsonPropertyDescription("SGD momentum")
    public double momentum = 0.9;

    @JsonPropertyDescription("Nesterov momentum")
    public boolean nesterov = false;

    @JsonPropertyDescription("L2 weight decay, applied to all trainable parameters")
    public double weightDecay = 5e-4;

    @JsonPropertyDescription("label smoothing of the cross-entropy, in [0, 1)")
    public double labelSmoothing = 0.0;

    @JsonPropertyDescription("initial batch-norm scale (network slimming and Early-Bird use 0.5)")
    public double bnGammaInit = 1.0;

    @JsonPropertyDescription("seed of everything random: init, split, order, augmentation, masks")
    public long seed = 0;

    @JsonPropertyDescription("device: auto, cpu, gpu, gpu:N")
    public String device = "auto";

    @JsonPropertyDescription("engine threads (0 = engine default)")
    public int threads = 0;

    @JsonPropertyDescription("also checkpoint every N steps inside an epoch (0 = at epoch ends only)")
    public int checkpointEvery = 0;

    @JsonPropertyDescription("overall sparsity of the prunable weights, in [0, 1) (sparse methods)")
    public double sparsity = 0.9;

    @JsonPropertyDescription("layer densities: erk (RigL default), er, uniform")
    public String distribution = "erk";

    @JsonPropertyDescription("uniform: keep the first layer dense")
    public boolean firstLayerDense = false;

    @JsonPropertyDescription("uniform: keep the output layer dense")
    public boolean lastLayerDense = false;

    @JsonPropertyDescription("explicit density per layer name (overrides the distribution)")
    public Map<String, Double> layerDensities = new LinkedHashMap<>();

    @JsonPropertyDescription("steps between mask updates, ΔT (RigL: 100)")
    public int updateInterval = 100;

    @JsonPropertyDescription("fraction of active weights dropped per update, α (RigL: 0.3)")
    public double dropFraction = 0.3;

    @JsonPropertyDescription("decay of the drop fraction: cosine (RigL) or constant")
    public String dropSchedule = "cosine";

    @JsonPropertyDescription("first mask update, as a fraction of all steps")
    public double beginFraction = 0.0;

    @JsonPropertyDescription("last mask update T_end, as a fraction of all steps (RigL: 0.75)")
    public double endFraction = 0.75;

    @JsonPropertyDescription("momentum of regrown weights: zero (RigL) or keep (dense momentum, FreeTickets)")
    public String momentumPolicy = "zero";

    @JsonPropertyDescription("skip the optimiser step on mask-update steps (null = RigL yes, others no)")
    public Boolean skipUpdateStep;

    @JsonPropertyDescription("value of regrown weights: zero (RigL default) or random_normal (std of the layer's active weights)")
    public String growInit = "zero";

    @JsonPropertyDescription("treat a connection dropped and regrown in one update as new (RigL: false, it keeps its value)")
    public boolean reinitWhenSame = false;

    @JsonPropertyDescription("SNFS: decay of the gradient moving average")
    public double snfsDecay = 0.9;

    @JsonPropertyDescription("record per-layer changed connections every N mask updates (0 = off)")
    public int maskHistoryEvery = 0;

    @JsonPropertyDescription("output channels by convolution name, overriding the architecture (a pruned ticket)")
    public Map<String, Integer> channelWidths = new LinkedHashMap<>();

    @JsonPropertyDescription("execution path: auto (sparse kernels for sparse MLPs on a CPU), sparse or dense (masked)")
    public String exec = "auto";

    /**
     * Every config key ({@code snake_case}), in declaration order: what a YAML file, a flag or an
     * {@link OptionGroup} may name.
     */
    public static final List<String> KEYS = keys();

    private static List<String> keys() {
        List<String> k = new ArrayList<>();
        for (java.lang.reflect.Field f : TrainConfig.class.getFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                k.add(f.getName().replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(k);
    }

    /** The {@link #model} of a run whose network was defined in Java and wrapped (see {@code SparseTraining}). */
    public static final String CUSTOM_MODEL = "custom";

    /**
     * Refuses to rebuild a network defined in Java: only the user's code has its block.
     *
     * @throws SprigException for a {@link #CUSTOM_MODEL} run
     */
    public void requireZooModel() {
        if (CUSTOM_MODEL.equals(model)) {
            throw new SprigException("this run trained a network defined in Java (SparseTraining), which a run folder cannot"
                    + " rebuild: evaluate or save it from Java, where the block is (DJL's Model.save)");
        }
    }

    @JsonPropertyDescription("Early-Bird / slimming: fraction of channels the retrained ticket prunes")
    public double pruneRatio = 0.5;

    @JsonPropertyDescription("Early-Bird: pruning ratios searched together (the prune ratio among them)")
    public List<Double> ebRatios = new ArrayList<>(List.of(0.3, 0.5, 0.7));

    @JsonPropertyDescription("Early-Bird: largest mask distance that counts as the same ticket (anchor: 0.1)")
    public double ebEpsilon = 0.1;

    @JsonPropertyDescription("Early-Bird: masks in the distance queue (anchor: 5)")
    public int ebQueue = 5;

    @JsonPropertyDescription("Early-Bird: threshold |gamma| per layer instead of globally")
    public boolean ebPerLayer = false;

    @JsonPropertyDescription("L1 penalty on batch-norm scales (null = 1e-4 for earlybird/slimming, else 0)")
    public Double bnL1;

    @JsonPropertyDescription("network slimming: fine-tuning epochs after pruning (0 = a quarter of epochs)")
    public int finetuneEpochs = 0;

    @JsonPropertyDescription("Early-Bird: search in 8-bit block floating point (weights, gradients, momentum)")
    public boolean ebLowPrecision = false;

    @JsonPropertyDescription("Early-Bird: write the pairwise mask-distance matrix of every searched ratio")
    public boolean ebDistanceMatrix = false;

    @JsonPropertyDescription("EPI: channel importance: l2norm (|w_n|/sqrt(P), the paper's eq. 2), bn (|gamma|), taylor (|gamma g_gamma + beta g_beta|), l1")
    public String epiImportance = "l2norm";

    @JsonPropertyDescription("EPI: resource the budget limits: flops, params, or latency (timed per layer on the training device)")
    public String epiBudget = "flops";

    @JsonPropertyDescription("EPI: fraction of the full network's resource the pruned network may use")
    public double epiBudgetFraction = 0.5;

    @JsonPropertyDescription("EPI: past architectures EPI averages over (r)")
    public int epiWindow = 3;

    @JsonPropertyDescription("EPI: threshold tau (null = 0.983 for magnitude importances, 0.944 for taylor)")
    public Double epiTau;

    @JsonPropertyDescription("EPI: EPI must exceed each of its last N values")
    public int epiMonotone = 3;

    @JsonPropertyDescription("EPI: strict (>) monotonicity check; default >= (a settled architecture gives EPI = 1, which never strictly rises)")
    public boolean epiStrict = false;

    @JsonPropertyDescription("EPI: prune at this fixed epoch instead (oracle grid; 0 = at initialisation; -1 = EPI decides)")
    public int epiPruneEpoch = -1;

    @JsonPropertyDescription("LTH: pruning rounds after the dense round")
    public int lthRounds = 3;

    @JsonPropertyDescription("LTH: step whose weights every round rewinds to (Frankle et al. 2019)")
    public long rewindStep = 100;

    @JsonPropertyDescription("piecewise lr schedule: learning rate from each epoch on, e.g. {0: 0.1, 150: 0.01}")
    public java.util.TreeMap<Integer, Double> lrPoints = new java.util.TreeMap<>();

    @JsonPropertyDescription("epochs at whose first step every layer drops and regrows exploration_fraction of its active weights (EDST's global exploration)")
    public List<Integer> explorationEpochs = new java.util.ArrayList<>();

    @JsonPropertyDescription("fraction q of active weights replaced at an exploration epoch (FreeTickets: 0.8)")
    public double explorationFraction = 0.8;

    @JsonPropertyDescription("ensembles: members M (FreeTickets: 3)")
    public int members = 3;

    @JsonPropertyDescription("ensembles: members trained at once in separate processes")
    public int workers = 1;

    @JsonPropertyDescription("DST/EDST ensembles: growth criterion of the members: gradient (RigL), random (SET) or momentum (SNFS)")
    public String ensembleGrowth = "gradient";

    @JsonPropertyDescription("EDST: exploration epochs at constant lr before the refinement phases (null = a third of epochs)")
    public Integer edstExploreEpochs;

    @JsonPropertyDescription("EDST: lr of each refinement phase, divided by 10 half-way through it (FreeTickets: 0.01)")
    public double edstRefineLr = 0.01;

    @JsonPropertyDescription("pf: checkpoint of the trained dense network to prune one-shot by global magnitude and fine-tune")
    public String pruneFrom;

    @JsonPropertyDescription("pf-ensemble: constant fine-tuning lr (FreeTickets: 0.001)")
    public double pfLr = 0.001;

    /**
     * Returns an independent copy (phases of a pipeline derive their configs from the user's).
     *
     * @return a deep copy
     */
    public TrainConfig copy() {
        try {
            return Json.JSON.readValue(Json.JSON.writeValueAsString(this), TrainConfig.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("config does not round-trip through JSON", e);
        }
    }

    /**
     * Resolves {@code augment}: on, off, or the data set's default (auto).
     *
     * @param datasetDefault whether the data set augments by default
     * @return whether training batches are augmented
     */
    public boolean augments(boolean datasetDefault) {
        return switch (augment.toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> datasetDefault;
        };
    }

    /**
     * Checks every value and throws one clear message for the first bad one.
     *
     * @return this config
     * @throws SprigException naming the bad key and value
     */
    public TrainConfig validate() {
        require(epochs >= 1, "epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "batch_size must be at least 1, got " + batchSize);
        require(evalBatchSize >= 1, "eval_batch_size must be at least 1, got " + evalBatchSize);
        require(maxStepsPerEpoch >= 0, "max_steps_per_epoch must be >= 0, got " + maxStepsPerEpoch);
        require(lr > 0 && Double.isFinite(lr), "lr must be positive, got " + lr);
        require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        require(weightDecay >= 0, "weight_decay must be >= 0, got " + weightDecay);
        require(labelSmoothing >= 0 && labelSmoothing < 1, "label_smoothing must be in [0, 1), got " + labelSmoothing);
        require(validationFraction >= 0 && validationFraction < 1,
                "validation_fraction must be in [0, 1), got " + validationFraction);
        require(widthMultiplier > 0 && widthMultiplier <= 4, "width_multiplier must be in (0, 4], got " + widthMultiplier);
        require(warmupEpochs >= 0 && warmupEpochs < epochs, "warmup_epochs must be in [0, epochs), got " + warmupEpochs);
        require(lrGamma > 0 && lrGamma <= 1, "lr_gamma must be in (0, 1], got " + lrGamma);
        require(lrStepEpochs >= 1, "lr_step_epochs must be at least 1, got " + lrStepEpochs);
        require(checkpointEvery >= 0, "checkpoint_every must be >= 0, got " + checkpointEvery);
        require(threads >= 0, "threads must be >= 0, got " + threads);
        require(bnGammaInit > 0, "bn_gamma_init must be positive, got " + bnGammaInit);
        String s = lrSchedule.toLowerCase(Locale.ROOT);
        require(List.of("constant", "step", "multistep", "cosine", "piecewise").contains(s),
                "lr_schedule must be constant, step, multistep, cosine or piecewise, got '" + lrSchedule + "'");
        require(!s.equals("piecewise") || lrPoints.containsKey(0), "lr_schedule piecewise needs lr_points with an entry for epoch 0");
        lrPoints.forEach((e, v) -> require(e >= 0 && v > 0 && Double.isFinite(v), "lr_points needs epochs >= 0 and positive rates, got " + e + ": " + v));
        require(explorationFraction >= 0 && explorationFraction <= 1, "exploration_fraction must be in [0, 1], got " + explorationFraction);
        for (int e : explorationEpochs) {
            require(e >= 1 && e < epochs, "exploration_epochs must lie in [1, epochs), got " + e);
        }
        require(members >= 1, "members must be at least 1, got " + members);
        require(workers >= 1, "workers must be at least 1, got " + workers);
        require(edstExploreEpochs == null || (edstExploreEpochs >= 0 && edstExploreEpochs < epochs),
                "edst_explore_epochs must be in [0, epochs), got " + edstExploreEpochs);
        require(edstRefineLr > 0, "edst_refine_lr must be positive, got " + edstRefineLr);
        require(pfLr > 0, "pf_lr must be positive, got " + pfLr);
        require(List.of("auto", "on", "off", "true", "false").contains(augment.toLowerCase(Locale.ROOT)),
                "augment must be auto, on or off, got '" + augment + "'");
        require(sparsity >= 0 && sparsity < 1, "sparsity must be in [0, 1), got " + sparsity);
        require(updateInterval >= 1, "update_interval must be at least 1, got " + updateInterval);
        require(dropFraction >= 0 && dropFraction <= 1, "drop_fraction must be in [0, 1], got " + dropFraction);
        require(beginFraction >= 0 && beginFraction < endFraction && endFraction <= 1,
                "need 0 <= begin_fraction < end_fraction <= 1, got " + beginFraction + " and " + endFraction);
        require(List.of("cosine", "constant").contains(dropSchedule.toLowerCase(Locale.ROOT)),
                "drop_schedule must be cosine or constant, got '" + dropSchedule + "'");
        require(List.of("zero", "keep").contains(momentumPolicy.toLowerCase(Locale.ROOT)),
                "momentum_policy must be zero or keep, got '" + momentumPolicy + "'");
        require(List.of("zero", "random_normal").contains(growInit.toLowerCase(Locale.ROOT)),
                "grow_init must be zero or random_normal, got '" + growInit + "'");
        require(pruneRatio >= 0 && pruneRatio < 1, "prune_ratio must be in [0, 1), got " + pruneRatio);
        for (double p : ebRatios) {
            require(p >= 0 && p < 1, "eb_ratios must lie in [0, 1), got " + p);
        }
        require(ebEpsilon >= 0 && ebEpsilon <= 1, "eb_epsilon must be in [0, 1], got " + ebEpsilon);
        require(ebQueue >= 2, "eb_queue must be at least 2, got " + ebQueue);
        require(bnL1 == null || bnL1 >= 0, "bn_l1 must be >= 0, got " + bnL1);
        require(finetuneEpochs >= 0, "finetune_epochs must be >= 0, got " + finetuneEpochs);
        require(List.of("l2norm", "bn", "taylor", "l1").contains(epiImportance.toLowerCase(Locale.ROOT)),
                "epi_importance must be l2norm, bn, taylor or l1, got '" + epiImportance + "'");
        require(List.of("flops", "params", "latency").contains(epiBudget.toLowerCase(Locale.ROOT)),
                "epi_budget must be flops, params or latency, got '" + epiBudget + "'");
        require(epiBudgetFraction > 0 && epiBudgetFraction <= 1, "epi_budget_fraction must be in (0, 1], got " + epiBudgetFraction);
        require(epiWindow >= 1, "epi_window must be at least 1, got " + epiWindow);
        require(epiMonotone >= 0, "epi_monotone must be >= 0, got " + epiMonotone);
        require(epiPruneEpoch >= -1 && epiPruneEpoch < epochs, "epi_prune_epoch must be -1 or in [0, epochs), got " + epiPruneEpoch);
        require(List.of("auto", "sparse", "dense").contains(exec.toLowerCase(Locale.ROOT)),
                "exec must be auto, sparse or dense, got '" + exec + "'");
        require(snfsDecay >= 0 && snfsDecay < 1, "snfs_decay must be in [0, 1), got " + snfsDecay);
        require(lthRounds >= 1, "lth_rounds must be at least 1, got " + lthRounds);
        require(rewindStep >= 0, "rewind_step must be >= 0, got " + rewindStep);
        require(maskHistoryEvery >= 0, "mask_history_every must be >= 0, got " + maskHistoryEvery);
        for (int m : lrMilestones) {
            require(m >= 1 && m < epochs, "lr_milestones must lie in [1, epochs), got " + m);
        }
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new SprigException(message);
        }
    }
}
