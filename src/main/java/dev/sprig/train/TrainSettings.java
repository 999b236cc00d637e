package dev.sprig.train;

import static dev.sprig.SprigException.require;

import dev.sprig.SprigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings every method reads (data, model, optimiser, schedule, seed, device, threads,
 * checkpoints, execution backend), parsed and checked once from a config; strings become enums
 * here. The top level of {@code config.yaml}; each method family's settings are its own options
 * type ({@link OptionGroup}).
 *
 * @param method the method's registry key
 * @param model model name
 * @param widthMultiplier scale of every hidden width
 * @param dataset data set name
 * @param validationFraction fraction of training images held out
 * @param augment whether training batches are augmented
 * @param epochs epochs
 * @param batchSize mini-batch size
 * @param evalBatchSize evaluation batch size
 * @param maxStepsPerEpoch steps per epoch at most (0 = full epochs)
 * @param lr base learning rate
 * @param lrSchedule the learning-rate schedule
 * @param momentum SGD momentum
 * @param nesterov Nesterov momentum
 * @param weightDecay L2 weight decay
 * @param labelSmoothing label smoothing
 * @param seed seed of everything random
 * @param threads engine threads (0 = engine default)
 * @param checkpointEvery checkpoint every N steps within epochs too (0 = epoch ends only)
 * @param exec the execution backend: {@code auto}, {@code dense} or a backend's name
 */
public record TrainSettings(
        String method,
        String model,
        double widthMultiplier,
        String dataset,
        double validationFraction,
        Augment augment,
        int epochs,
        int batchSize,
        int evalBatchSize,
        int maxStepsPerEpoch,
        double lr,
        LrScheduleKind lrSchedule,
        double momentum,
        boolean nesterov,
        double weightDecay,
        double labelSmoothing,
        long seed,
        int threads,
        int checkpointEvery,
        String exec) {
    /** Training-time augmentation. */
    public enum Augment {
        /** The data set's default (CIFAR augments, MNIST does not). */
        AUTO,
        /** Always. */
        ON,
        /** Never. */
        OFF;

        /**
         * Resolves the setting for a data set.
         *
         * @param datasetDefault whether the data set augments by default
         * @return whether training batches are augmented
         */
        public boolean resolve(boolean datasetDefault) {
            return this == AUTO ? datasetDefault : this == ON;
        }
    }

    /** The learning-rate schedules ({@link LrSchedule}). */
    public enum LrScheduleKind {
        /** The base rate throughout. */
        CONSTANT,
        /** Multiplied by lr_gamma every lr_step_epochs. */
        STEP,
        /** Multiplied by lr_gamma at each of lr_milestones. */
        MULTISTEP,
        /** Cosine decay to zero. */
        COSINE,
        /** lr_points: a rate from each listed epoch on. */
        PIECEWISE
    }

    /**
     * Reads and checks the shared settings.
     *
     * @param c the config
     * @return the settings
     * @throws SprigException naming the bad key and value
     */
    public static TrainSettings from(TrainConfig c) {
        for (String[] named :
                new String[][] {{"method", c.method}, {"model", c.model}, {"dataset", c.dataset}}) {
            require(named[1] != null && !named[1].isBlank(), named[0] + " must be set");
        }
        require(c.epochs >= 1, "epochs must be at least 1, got " + c.epochs);
        require(c.batchSize >= 1, "batch_size must be at least 1, got " + c.batchSize);
        require(c.evalBatchSize >= 1, "eval_batch_size must be at least 1, got " + c.evalBatchSize);
        require(
                c.maxStepsPerEpoch >= 0,
                "max_steps_per_epoch must be >= 0, got " + c.maxStepsPerEpoch);
        require(c.lr > 0 && Double.isFinite(c.lr), "lr must be positive, got " + c.lr);
        require(c.momentum >= 0 && c.momentum < 1, "momentum must be in [0, 1), got " + c.momentum);
        require(c.weightDecay >= 0, "weight_decay must be >= 0, got " + c.weightDecay);
        require(
                c.clipNorm >= 0 && Double.isFinite(c.clipNorm),
                "clip_norm must be >= 0 (0 = off), got " + c.clipNorm);
        require(
                c.seqLen >= 1 && c.seqLen <= 100_000,
                "seq_len must be in [1, 100000], got " + c.seqLen);
        require(
                c.labelSmoothing >= 0 && c.labelSmoothing < 1,
                "label_smoothing must be in [0, 1), got " + c.labelSmoothing);
        require(
                c.validationFraction >= 0 && c.validationFraction < 1,
                "validation_fraction must be in [0, 1), got " + c.validationFraction);
        require(
                c.widthMultiplier > 0 && c.widthMultiplier <= 4,
                "width_multiplier must be in (0, 4], got " + c.widthMultiplier);
        require(
                c.warmupEpochs >= 0 && c.warmupEpochs < c.epochs,
                "warmup_epochs must be in [0, epochs), got " + c.warmupEpochs);
        require(c.lrGamma > 0 && c.lrGamma <= 1, "lr_gamma must be in (0, 1], got " + c.lrGamma);
        require(c.lrStepEpochs >= 1, "lr_step_epochs must be at least 1, got " + c.lrStepEpochs);
        require(c.checkpointEvery >= 0, "checkpoint_every must be >= 0, got " + c.checkpointEvery);
        require(c.threads >= 0, "threads must be >= 0, got " + c.threads);
        require(c.bnGammaInit > 0, "bn_gamma_init must be positive, got " + c.bnGammaInit);
        LrScheduleKind schedule = Choice.parse(LrScheduleKind.class, c.lrSchedule, "lr_schedule");
        TreeMap<Integer, Double> points = c.lrPoints == null ? new TreeMap<>() : c.lrPoints;
        require(
                schedule != LrScheduleKind.PIECEWISE || points.containsKey(0),
                "lr_schedule piecewise needs lr_points with an entry for epoch 0");
        points.forEach(
                (e, v) ->
                        require(
                                e != null && v != null && e >= 0 && v > 0 && Double.isFinite(v),
                                "lr_points needs epochs >= 0 and positive rates, got "
                                        + e
                                        + ": "
                                        + v));
        require(c.lrMilestones != null, "lr_milestones must be a list");
        for (Integer m : c.lrMilestones) {
            require(
                    m != null && m >= 1 && m < c.epochs,
                    "lr_milestones must lie in [1, epochs), got " + m);
        }
        Map<String, Integer> widths = c.channelWidths == null ? Map.of() : c.channelWidths;
        widths.forEach(
                (layer, w) ->
                        require(
                                w != null && w >= 1,
                                "channel_widths must be at least 1, got " + layer + "=" + w));
        return new TrainSettings(
                c.method,
                c.model,
                c.widthMultiplier,
                c.dataset,
                c.validationFraction,
                augment(c.augment),
                c.epochs,
                c.batchSize,
                c.evalBatchSize,
                c.maxStepsPerEpoch,
                c.lr,
                schedule,
                c.momentum,
                c.nesterov,
                c.weightDecay,
                c.labelSmoothing,
                c.seed,
                c.threads,
                c.checkpointEvery,
                exec(c.exec));
    }

    private static Augment augment(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        // YAML 1.1 reads a bare on/off as a boolean; accept what it turns them into.
        return Choice.parse(
                Augment.class, v.equals("true") ? "on" : v.equals("false") ? "off" : v, "augment");
    }

    private static String exec(String value) {
        List<String> names = new ArrayList<>(List.of("auto", "dense"));
        for (ExecutionBackend b :
                java.util.ServiceLoader.load(
                        ExecutionBackend.class, TrainSettings.class.getClassLoader())) {
            names.add(b.name());
        }
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (!names.contains(v)) {
            String last = names.remove(names.size() - 1);
            throw new SprigException(
                    "exec must be "
                            + String.join(", ", names)
                            + " or "
                            + last
                            + ", got '"
                            + value
                            + "'");
        }
        return v;
    }
}
