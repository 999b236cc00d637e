package dev.sprig.train;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.sprig.SprigException;
import dev.sprig.data.DataRequest;
import dev.sprig.data.DataRoot;
import dev.sprig.data.DataSplits;
import dev.sprig.data.Normalization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of a training run, declared once: the YAML config, the command-line defaults, the
 * resolved {@code config.yaml} of a run folder and its provenance all read these fields.
 *
 * <p>Defaults are a reasonable quick CPU setting (LeNet-300-100 on MNIST); the published settings
 * of each paper live in recipes. Keys are snake_case in YAML and JSON.
 */
@JsonPropertyOrder(alphabetic = false)
public final class TrainConfig {
    @JsonPropertyDescription("training method: dense, static, snip, gmp, set, snfs, rigl")
    public String method = "dense";

    @JsonPropertyDescription("model name, see `sprig models`")
    public String model = "lenet-300-100";

    @JsonPropertyDescription("scale of every hidden width (1 = published architecture)")
    public double widthMultiplier = 1.0;

    @JsonPropertyDescription(
            "data set: mnist, fashion-mnist, cifar-10, cifar-100, synthetic, folder:PATH (one"
                    + " sub-folder of images per class), csv:FILE[,TEST] (with label_column)")
    public String dataset = "mnist";

    @JsonPropertyDescription("data root; null = $SPRIG_DATA or ~/.sprig/data")
    public String dataDir;

    @JsonPropertyDescription("fraction of training images held out for validation")
    public double validationFraction = 0.1;

    @JsonPropertyDescription("augmentation: auto (CIFAR and image folders), on, off")
    public String augment = "auto";

    @JsonPropertyDescription(
            "image folders: side of the square images, in pixels (pad-and-crop augmentation up to"
                    + " 64, random resized crops above)")
    public int imageSize = DataRequest.DEFAULT_IMAGE_SIZE;

    @JsonPropertyDescription("image folders: skip unreadable images (counted) instead of refusing")
    public boolean skipBadImages = false;

    @JsonPropertyDescription("csv tables: the column holding the class label")
    public String labelColumn;

    @JsonPropertyDescription(
            "threads that fill training batches (augmentation, normalisation) ahead of the step;"
                    + " 0 = on the training thread; results do not depend on it")
    public int dataWorkers = 1;

    @JsonPropertyDescription(
            "image folders: keep the decoded images in PATH/.sprig-cache for later runs")
    public boolean cacheDecoded = false;

    @JsonPropertyDescription(
            "per-channel (or per-feature) mean of image folders and tables; null = computed from"
                    + " the training data once and recorded here")
    public List<Double> normalizationMean;

    @JsonPropertyDescription(
            "per-channel (or per-feature) deviation of image folders and tables; null = computed"
                    + " with the mean")
    public List<Double> normalizationStd;

    @JsonPropertyDescription(
            "image folders and tables: the name of each class (folder names, label values),"
                    + " recorded from the data; when given, the data must have these classes")
    public List<String> classNames;

    @JsonPropertyDescription(
            "start from the weights of a run folder or checkpoint (e.g. one `sprig import` wrote"
                    + " from PyTorch) instead of a fresh initialisation; same architecture")
    public String initFrom;

    @JsonPropertyDescription(
            "text: tokens per training window (truncated backpropagation through time); the"
                    + " hidden state carries on across windows of an epoch")
    public int seqLen = dev.sprig.data.TextLayout.DEFAULT.steps();

    @JsonPropertyDescription(
            "clip gradients to this global L2 norm before each step (0 = no clipping)")
    public double clipNorm = 0;

    @JsonPropertyDescription("number of epochs")
    public int epochs = 10;

    @JsonPropertyDescription("mini-batch size")
    public int batchSize = 128;

    @JsonPropertyDescription("batch size for evaluation")
    public int evalBatchSize = 1000;

    @JsonPropertyDescription(
            "stop each epoch after this many steps (0 = full epoch); for smoke runs")
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

    @JsonPropertyDescription(
            "also checkpoint every N steps inside an epoch (0 = at epoch ends only)")
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

    @JsonPropertyDescription(
            "momentum of regrown weights: zero (RigL) or keep (dense momentum, FreeTickets)")
    public String momentumPolicy = "zero";

    @JsonPropertyDescription(
            "skip the optimiser step on mask-update steps (null = RigL yes, others no)")
    public Boolean skipUpdateStep;

    @JsonPropertyDescription(
            "value of regrown weights: zero (RigL default) or random_normal (std of the layer's"
                    + " active weights)")
    public String growInit = "zero";

    @JsonPropertyDescription(
            "treat a connection dropped and regrown in one update as new (RigL: false, it keeps its"
                    + " value)")
    public boolean reinitWhenSame = false;

    @JsonPropertyDescription("SNFS: decay of the gradient moving average")
    public double snfsDecay = 0.9;

    @JsonPropertyDescription("record per-layer changed connections every N mask updates (0 = off)")
    public int maskHistoryEvery = 0;

    @JsonPropertyDescription(
            "output channels by convolution name, overriding the architecture (a pruned ticket)")
    public Map<String, Integer> channelWidths = new LinkedHashMap<>();

    @JsonPropertyDescription(
            "execution path: auto (on a CPU, sparse kernels for MLPs from sparsity 0.5 and for"
                    + " CNNs where timed faster), sparse or dense (masked)")
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

    /**
     * The {@link #model} of a run whose network was defined in Java and wrapped (see {@code
     * SparseTraining}).
     */
    public static final String CUSTOM_MODEL = "custom";

    /**
     * Refuses to rebuild a network defined in Java: only the user's code has its block.
     *
     * @throws SprigException for a {@link #CUSTOM_MODEL} run
     */
    public void requireZooModel() {
        if (CUSTOM_MODEL.equals(model)) {
            throw new SprigException(
                    "this run trained a network defined in Java (SparseTraining), which a run"
                        + " folder cannot rebuild: evaluate or save it from Java, where the block"
                        + " is (DJL's Model.save)");
        }
    }

    @JsonPropertyDescription(
            "Early-Bird / slimming: fraction of channels the retrained ticket prunes")
    public double pruneRatio = 0.5;

    @JsonPropertyDescription(
            "Early-Bird: pruning ratios searched together (the prune ratio among them)")
    public List<Double> ebRatios = new ArrayList<>(List.of(0.3, 0.5, 0.7));

    @JsonPropertyDescription(
            "Early-Bird: largest mask distance that counts as the same ticket (anchor: 0.1)")
    public double ebEpsilon = 0.1;

    @JsonPropertyDescription("Early-Bird: masks in the distance queue (anchor: 5)")
    public int ebQueue = 5;

    @JsonPropertyDescription("Early-Bird: threshold |gamma| per layer instead of globally")
    public boolean ebPerLayer = false;

    @JsonPropertyDescription(
            "L1 penalty on batch-norm scales (null = 1e-4 for earlybird/slimming, else 0)")
    public Double bnL1;

    @JsonPropertyDescription(
            "network slimming: fine-tuning epochs after pruning (0 = a quarter of epochs)")
    public int finetuneEpochs = 0;

    @JsonPropertyDescription(
            "Early-Bird: search in 8-bit block floating point (weights, gradients, momentum)")
    public boolean ebLowPrecision = false;

    @JsonPropertyDescription(
            "Early-Bird: write the pairwise mask-distance matrix of every searched ratio")
    public boolean ebDistanceMatrix = false;

    @JsonPropertyDescription(
            "Early-Bird: how often the mask-distance queue takes a mask: epoch (the paper), auto"
                    + " (about 50 times per run, never less than once per epoch), N steps, or a"
                    + " fraction of the schedule such as 0.02")
    public String ebInterval = "epoch";

    @JsonPropertyDescription(
            "EPI: channel importance: l2norm (|w_n|/sqrt(P), the paper's eq. 2), bn (|gamma|),"
                    + " taylor (|gamma g_gamma + beta g_beta|), l1")
    public String epiImportance = "l2norm";

    @JsonPropertyDescription(
            "EPI: resource the budget limits: flops, params, or latency (timed per layer on the"
                    + " training device)")
    public String epiBudget = "flops";

    @JsonPropertyDescription(
            "EPI: fraction of the full network's resource the pruned network may use")
    public double epiBudgetFraction = 0.5;

    @JsonPropertyDescription("EPI: past architectures EPI averages over (r)")
    public int epiWindow = 3;

    @JsonPropertyDescription(
            "EPI: threshold tau (null = 0.983 for magnitude importances, 0.944 for taylor)")
    public Double epiTau;

    @JsonPropertyDescription("EPI: EPI must exceed each of its last N values")
    public int epiMonotone = 3;

    @JsonPropertyDescription(
            "EPI: strict (>) monotonicity check; default >= (a settled architecture gives EPI = 1,"
                    + " which never strictly rises)")
    public boolean epiStrict = false;

    @JsonPropertyDescription(
            "EPI: prune at this fixed epoch instead (oracle grid; 0 = at initialisation; -1 = EPI"
                    + " decides)")
    public int epiPruneEpoch = -1;

    @JsonPropertyDescription(
            "EPI: how often the dominant sub-network is taken: epoch (the paper), auto (about 50"
                    + " times per run, never less than once per epoch), N steps, or a fraction of"
                    + " the schedule such as 0.02; Taylor scores average over the interval")
    public String epiInterval = "epoch";

    @JsonPropertyDescription(
            "EPI: latency table file the runs of an oracle grid share (null = the run's"
                    + " latency.json)")
    public String epiLatencyTable;

    @JsonPropertyDescription("LTH: pruning rounds after the dense round")
    public int lthRounds = 3;

    @JsonPropertyDescription("LTH: step whose weights every round rewinds to (Frankle et al. 2019)")
    public long rewindStep = 100;

    @JsonPropertyDescription(
            "piecewise lr schedule: learning rate from each epoch on, e.g. {0: 0.1, 150: 0.01}")
    public java.util.TreeMap<Integer, Double> lrPoints = new java.util.TreeMap<>();

    @JsonPropertyDescription(
            "epochs at whose first step every layer drops and regrows exploration_fraction of its"
                    + " active weights (EDST's global exploration)")
    public List<Integer> explorationEpochs = new java.util.ArrayList<>();

    @JsonPropertyDescription(
            "fraction q of active weights replaced at an exploration epoch (FreeTickets: 0.8)")
    public double explorationFraction = 0.8;

    @JsonPropertyDescription("ensembles: members M (FreeTickets: 3)")
    public int members = 3;

    @JsonPropertyDescription("ensembles: members trained at once in separate processes")
    public int workers = 1;

    @JsonPropertyDescription(
            "where the runs of an ensemble or an EPI oracle grid train: null (this JVM; ensembles"
                    + " use workers) or an Apache Spark master (local[N])")
    public String master;

    @JsonPropertyDescription(
            "DST/EDST ensembles: growth criterion of the members: gradient (RigL), random (SET) or"
                    + " momentum (SNFS)")
    public String ensembleGrowth = "gradient";

    @JsonPropertyDescription(
            "EDST: exploration epochs at constant lr before the refinement phases (null = a third"
                    + " of epochs)")
    public Integer edstExploreEpochs;

    @JsonPropertyDescription(
            "EDST: exploration as a fraction of the schedule when edst_explore_epochs is not set"
                    + " (null = 1/3, the authors' 150 of 450 epochs)")
    public Double edstExploreFraction;

    @JsonPropertyDescription(
            "EDST: each refinement phase as a fraction of the schedule (null = what exploration"
                    + " leaves, split evenly: the authors' 100 of 450 epochs for M = 3); the last"
                    + " phase takes what is left")
    public Double edstRefineFraction;

    @JsonPropertyDescription(
            "EDST: lr of each refinement phase, divided by 10 half-way through it (FreeTickets:"
                    + " 0.01)")
    public double edstRefineLr = 0.01;

    @JsonPropertyDescription(
            "pf: checkpoint of the trained dense network to prune one-shot by global magnitude and"
                    + " fine-tune")
    public String pruneFrom;

    @JsonPropertyDescription("pf-ensemble: constant fine-tuning lr (FreeTickets: 0.001)")
    public double pfLr = 0.001;

    /**
     * The data request of this config: the data set, split and reading options.
     *
     * @param seed seed of the validation split (a run's own seed, or a sweep's shared one)
     * @return the request, checked
     * @throws SprigException when a data option is out of range
     */
    public DataRequest dataRequest(long seed) {
        Normalization norm = null;
        if (normalizationMean != null || normalizationStd != null) {
            SprigException.require(
                    normalizationMean != null
                            && normalizationStd != null
                            && normalizationMean.size() == normalizationStd.size()
                            && !normalizationMean.isEmpty(),
                    "normalization_mean and normalization_std must be given together, with one"
                            + " value per channel each");
            float[] mean = new float[normalizationMean.size()];
            float[] std = new float[mean.length];
            for (int i = 0; i < mean.length; i++) {
                mean[i] = normalizationMean.get(i).floatValue();
                std[i] = normalizationStd.get(i).floatValue();
                SprigException.require(
                        std[i] > 0, "normalization_std must be positive, got " + std[i]);
            }
            norm = new Normalization(mean, std);
        }
        SprigException.require(dataWorkers >= 0, "data_workers must be >= 0, got " + dataWorkers);
        return new DataRequest(
                dataset,
                DataRoot.resolve(dataDir),
                validationFraction,
                seed,
                imageSize,
                skipBadImages,
                labelColumn,
                DataRequest.defaultWorkers(),
                cacheDecoded,
                norm,
                new dev.sprig.data.TextLayout(seqLen, batchSize));
    }

    /**
     * Records what a run's data was read with, so {@code config.yaml} holds the normalisation
     * computed from a folder or table and its class names (the built-in sets' are fixed and not
     * repeated), and an export or a resumed run needs nothing else.
     *
     * @param data the loaded data
     * @throws SprigException when {@code class_names} was given and the data's differ
     */
    public void recordData(DataSplits data) {
        if (data.description().isEmpty()) {
            return;
        }
        if (classNames != null && !classNames.equals(data.classNames())) {
            throw new SprigException(
                    "class_names "
                            + classNames
                            + " do not match the classes of "
                            + dataset
                            + ": "
                            + data.classNames());
        }
        classNames = data.classNames() == null ? null : new ArrayList<>(data.classNames());
        if (data.sequenceLength() > 0) {
            return; // text: the vocabulary is what a later run must match; tokens are not scaled
        }
        normalizationMean = new ArrayList<>();
        normalizationStd = new ArrayList<>();
        for (int i = 0; i < data.normalization().mean().length; i++) {
            normalizationMean.add((double) data.normalization().mean()[i]);
            normalizationStd.add((double) data.normalization().std()[i]);
        }
    }

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
     * Checks every value, the shared settings' and every method family's (whatever the method), and
     * throws one clear message for the first bad one. Each check lives with its settings type
     * ({@link TrainSettings}, and each family's options type, see {@link OptionGroup#parser}).
     *
     * @return this config
     * @throws SprigException naming the bad key and value
     */
    public TrainConfig validate() {
        TrainSettings.from(this);
        List<OptionGroup> seen = new ArrayList<>();
        for (Method m : Methods.all()) {
            for (OptionGroup g : m.options()) {
                if (!seen.contains(g)) {
                    seen.add(g);
                    g.parser().apply(this);
                }
            }
        }
        return this;
    }
}
