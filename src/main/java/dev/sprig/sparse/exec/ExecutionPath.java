package dev.sprig.sparse.exec;

import ai.djl.Device;
import dev.sprig.SprigException;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.RecurrentLm;
import dev.sprig.sparse.DynamicSparseOptions;
import dev.sprig.sparse.UpdaterMethod;
import dev.sprig.train.Method;
import dev.sprig.train.Methods;
import dev.sprig.train.TrainConfig;
import java.util.List;
import java.util.Locale;

/**
 * Which engine trains a run: the masked-dense path (the DJL engine, every model and method) or the
 * sparse path ({@link CsrSession}: MLPs, methods that keep a fixed count per layer).
 */
public enum ExecutionPath {
    /** Dense weights times masks, on the engine. */
    DENSE,
    /** Compressed sparse rows, hand-written kernels. */
    SPARSE;

    /**
     * Lowest sparsity at which {@code exec: auto} picks the sparse path. Measured with {@code sprig
     * bench sparse} on the 2-core machine: on LeNet-300-100 the sparse path already matches the
     * masked-dense one at sparsity 0 (21.9k vs 22.4k samples/s) and is 3.8x faster at 0.9; on the
     * 784-4096-4096-10 MLP it is 0.57x at sparsity 0 (dense GEMM is about 1.75x more efficient per
     * FLOP than the sparse kernels) and 3.8x at 0.9, so it breaks even near density 0.57. 0.5 keeps
     * a margin on wide layers and loses little on narrow ones.
     */
    public static final double AUTO_MIN_SPARSITY = 0.5;

    /**
     * Lowest sparsity at which {@code exec: auto} picks the sparse path for a CNN. Measured with
     * {@code sprig bench sparse --models resnet-20,vgg-11} on the 2-core machine (batch 64,
     * 3x32x32): at sparsity 0 the sparse convolutions run at 0.44x the engine's dense ones
     * (ResNet-20, 211 vs 480 samples/s); at 0.9 the whole step is 1.5x faster (749 vs 489).
     */
    public static final double AUTO_MIN_SPARSITY_CNN = 0.9;

    /**
     * Lowest sparsity at which {@code exec: auto} picks the sparse path for a GRU language model.
     * Measured on the 2-core machine (gru-256-2, 64 streams, windows of 50, RigL, ERK; 40 steps,
     * two runs per path alternating): 6.95-7.02 s against the engine's fused GRU at 8.56-8.88 s at
     * sparsity 0.9 (1.24x), 11.2-11.4 s against 7.0-8.0 s at 0.75 (0.65x).
     */
    public static final double AUTO_MIN_SPARSITY_RNN = 0.9;

    /**
     * Lowest sparsity at which {@code exec: auto} times both paths for a CNN ({@link ExecProbe});
     * below it the sparse path is not measured, being 2-4x slower at 0 on every zoo CNN measured
     * and about break-even at 0.9 on ResNet-20. Above it, and when the probe is off ({@link
     * ExecProbe#MODE_PROPERTY}), {@link #AUTO_MIN_SPARSITY_CNN} decides.
     */
    public static final double AUTO_PROBE_MIN_SPARSITY_CNN = 0.8;

    /**
     * Says why a run cannot use the sparse path.
     *
     * @param config the run
     * @param specs its model's layers
     * @return the reason, or null when it can
     */
    public static String whyNotSparse(TrainConfig config, List<LayerSpec> specs) {
        if (config.initFrom != null && !config.initFrom.isBlank()) {
            return "init_from loads a network's dense weights, which the engine path starts from";
        }
        boolean recurrent = CsrSession.isRecurrent(specs);
        if (recurrent
                && RecurrentLm.of(config.model, 2, config.widthMultiplier).cell()
                        != RecurrentLm.Cell.GRU) {
            return "model "
                    + config.model
                    + " is an LSTM; the sparse path runs GRU language models (gru-H-L)";
        }
        if (config.clipNorm > 0 && CsrSession.isConvolutional(specs)) {
            return "clip_norm on a CNN runs on the engine path (the sparse path clips MLPs and GRU"
                    + " models)";
        }
        for (LayerSpec l : specs) {
            boolean supported =
                    switch (l.kind()) {
                        case LINEAR, BATCH_NORM, MAX_POOL, GLOBAL_AVG_POOL -> true;
                        case EMBEDDING -> recurrent;
                        case CONV -> l.groups() == 1;
                        default -> false;
                    };
            if (!supported) {
                return "model "
                        + config.model
                        + " has "
                        + (l.kind() == LayerKind.CONV
                                ? "grouped convolutions"
                                : l.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                                        + " layers")
                        + ", which the sparse path does not run";
            }
        }
        Method method = Methods.get(config.method);
        if (!(method instanceof UpdaterMethod u) || u.csr() instanceof UpdaterMethod.NoCsr) {
            return "method "
                    + config.method
                    + " needs dense weights (the sparse path runs "
                    + String.join(", ", csrMethods())
                    + ")";
        }
        if (u.sparse()
                && DynamicSparseOptions.from(config).momentumPolicy()
                        == DynamicSparseOptions.MomentumPolicy.KEEP) {
            return "momentum_policy keep needs momentum at inactive positions, which the sparse"
                    + " path does not store";
        }
        if (u.csr() instanceof UpdaterMethod.DropAndGrow d
                && d.growth().apply(config).stateFloats() > 0) {
            for (LayerSpec l : specs) {
                if (l.weightCount() > CsrSession.DENSE_DRAW_LIMIT) {
                    return config.method
                            + " keeps dense per-weight growth state, too large for layer "
                            + l.name();
                }
            }
        }
        return null;
    }

    /**
     * Says why {@code exec: auto} chose the sparse path for a run, for the run's log.
     *
     * @param config the run
     * @param specs its model's layers
     * @return one line
     */
    public static String autoReason(TrainConfig config, List<LayerSpec> specs) {
        boolean cnn = CsrSession.isConvolutional(specs);
        ExecProbe.Measurement m =
                cnn && ExecProbe.measuring() ? ExecProbe.standard().recall(config, specs) : null;
        if (m != null) {
            return "sparse path chosen: " + ExecProbe.standard().describe(config, m);
        }
        boolean rnn = CsrSession.isRecurrent(specs);
        return String.format(
                Locale.ROOT,
                "sparse path chosen: %s at sparsity %.2f >= %.2f, where it measured faster than the"
                        + " masked-dense engine on a CPU (--exec dense to override)",
                rnn ? "a GRU language model" : cnn ? "a CNN" : "an MLP",
                config.sparsity,
                minimumSparsity(specs));
    }

    /**
     * Says why {@code exec: auto} kept a run the sparse path could train on the engine.
     *
     * @param config the run
     * @param specs its model's layers
     * @return one phrase
     */
    public static String whyEngine(TrainConfig config, List<LayerSpec> specs) {
        if (!((UpdaterMethod) Methods.get(config.method)).sparse()) {
            return "method " + config.method + " trains every weight";
        }
        double min = minimumSparsity(specs);
        if (config.sparsity < min && !CsrSession.isConvolutional(specs)) {
            return String.format(
                    Locale.ROOT,
                    "sparsity %.2f is below %.2f, where the sparse path measured faster for %s",
                    config.sparsity,
                    min,
                    CsrSession.isRecurrent(specs) ? "a GRU language model" : "an MLP");
        }
        return "not expected to be faster for this run";
    }

    /**
     * The lowest sparsity at which {@code exec: auto} uses the sparse path without timing it.
     *
     * @param specs the model's layers
     * @return the measured threshold for its kind of network
     */
    public static double minimumSparsity(List<LayerSpec> specs) {
        return CsrSession.isRecurrent(specs)
                ? AUTO_MIN_SPARSITY_RNN
                : CsrSession.isConvolutional(specs) ? AUTO_MIN_SPARSITY_CNN : AUTO_MIN_SPARSITY;
    }

    /** The registered methods the sparse path can run. */
    static List<String> csrMethods() {
        List<String> names = new java.util.ArrayList<>();
        for (Method m : Methods.all()) {
            if (m instanceof UpdaterMethod u && !(u.csr() instanceof UpdaterMethod.NoCsr)) {
                names.add(m.name());
            }
        }
        return names;
    }

    /**
     * Picks the path of a run from its {@code exec} setting.
     *
     * @param config the run ({@code exec}: auto, sparse or dense)
     * @param specs its model's layers
     * @param device the device the engine would use
     * @return the path
     * @throws SprigException when {@code exec: sparse} is asked of a run that cannot use it
     */
    public static ExecutionPath choose(TrainConfig config, List<LayerSpec> specs, Device device) {
        return choose(config, specs, device, ExecProbe.measuring() ? ExecProbe.standard() : null);
    }

    /**
     * Picks the path of a run, measuring CNNs with a given probe.
     *
     * @param config the run ({@code exec}: auto, sparse or dense)
     * @param specs its model's layers
     * @param device the device the engine would use
     * @param probe times both paths for a sparse CNN under {@code auto}; null for the fixed rule
     * @return the path
     * @throws SprigException when {@code exec: sparse} is asked of a run that cannot use it
     */
    public static ExecutionPath choose(
            TrainConfig config, List<LayerSpec> specs, Device device, ExecProbe probe) {
        String exec = config.exec.toLowerCase(Locale.ROOT);
        String why = whyNotSparse(config, specs);
        switch (exec) {
            case "dense":
                return DENSE;
            case "sparse":
                if (why != null) {
                    throw new SprigException("--exec sparse: " + why);
                }
                return SPARSE;
            default:
                if (why != null
                        || !((UpdaterMethod) Methods.get(config.method)).sparse()
                        || !Device.Type.CPU.equals(device.getDeviceType())) {
                    return DENSE;
                }
                if (CsrSession.isRecurrent(specs)) {
                    return config.sparsity >= AUTO_MIN_SPARSITY_RNN ? SPARSE : DENSE;
                }
                if (!CsrSession.isConvolutional(specs)) {
                    return config.sparsity >= AUTO_MIN_SPARSITY ? SPARSE : DENSE;
                }
                if (config.sparsity < AUTO_PROBE_MIN_SPARSITY_CNN) {
                    return DENSE;
                }
                if (probe == null) {
                    return config.sparsity >= AUTO_MIN_SPARSITY_CNN ? SPARSE : DENSE;
                }
                return probe.measure(config, specs).sparseFaster() ? SPARSE : DENSE;
        }
    }
}
