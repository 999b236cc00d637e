package dev.sprig.sparse.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sprig.Sprig;
import dev.sprig.data.DataSplits;
import dev.sprig.data.ImageSet;
import dev.sprig.data.SyntheticImages;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.train.Json;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TimedRounds;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Measures, for one model, sparsity and batch on this machine, whether the sparse path trains a CNN
 * faster than the engine's masked-dense path, and remembers the answer.
 *
 * <p>Why measure: a sparse convolution's gain depends on the layer shapes, the batch, the cores and
 * the vector width, and the rest of the step (batch norm, pooling, the dense first layer) does not
 * shrink with sparsity. On the 2-core AVX-512 machine ResNet-20 at 0.9 trains 1.0-1.5x faster on
 * the sparse path and VGG-11 1.2x; at 0 both are 0.3-0.45x. One fixed threshold would be wrong for
 * some model on some machine, so {@code exec: auto} times a few steps of each path on synthetic
 * data of the run's shape (the same model, method, sparsity, batch and threads) and keeps the
 * faster. How it times, and why: both paths run short training runs in alternating rounds (sparse
 * then engine, engine then sparse, ...), the first {@link #WARM_ROUNDS} rounds discarded and the
 * median of the rest kept. An earlier probe timed 48 steps of each path one after the other and got
 * the Fashion-MNIST ResNet-20 case wrong (it read 1.05x for the sparse path; ten epochs ran it at
 * 0.83x the engine): measured, the engine's first ~24 steps in a process run at two thirds of its
 * later speed, the sparse kernels speed up until the JIT has compiled them, and this machine's
 * speed drifts by a quarter between runs a minute apart, so blocks timed one after the other
 * compare different machines. With warm rounds and alternation the same case reads 0.91-0.96x and
 * the engine trains it. Each answer is stored per machine in a small JSON file ({@link
 * #defaultCache()}), so a model is probed once, not once per run; a resumed run keeps the backend
 * its checkpoint names.
 */
public final class ExecProbe {
    /**
     * System property choosing how {@code exec: auto} decides for a CNN: {@code measure} (the
     * default) or {@code rule} (the fixed {@link ExecutionPath#AUTO_MIN_SPARSITY_CNN}, for test
     * suites whose results must not depend on timing).
     */
    public static final String MODE_PROPERTY = "sprig.exec.probe";

    /** Environment variable naming the cache file (default {@code ~/.sprig/exec-probe.json}). */
    public static final String CACHE_ENV = "SPRIG_EXEC_PROBE_CACHE";

    /** Training steps per epoch of one timed run. */
    static final int STEPS = 8;

    /** Timed epochs of one run, after one warm-up epoch; their mean counts. */
    static final int TIMED_EPOCHS = 2;

    /**
     * Rounds of one run per path, in alternating order; the first {@link #WARM_ROUNDS} warm both
     * paths up (the JIT compiles the sparse kernels, the engine fills its caches) and are not
     * counted, the median of the others is.
     */
    static final int ROUNDS = 5;

    /** Rounds that only warm up. */
    static final int WARM_ROUNDS = 2;

    private static final ExecProbe STANDARD = new ExecProbe(defaultCache(), ExecProbe::timeSteps);

    /** Times training steps of a run on the path its {@code exec} names. */
    @FunctionalInterface
    public interface StepTimer {
        /**
         * Times training steps.
         *
         * @param config the run, {@code exec} set to {@code sparse} or {@code dense}
         * @param specs its model's layers
         * @return seconds per step
         */
        double secondsPerStep(TrainConfig config, List<LayerSpec> specs);
    }

    /**
     * What the probe found.
     *
     * @param sparseSeconds seconds per step on the sparse path
     * @param denseSeconds seconds per step on the masked-dense engine
     * @param cached whether it came from an earlier probe
     */
    public record Measurement(double sparseSeconds, double denseSeconds, boolean cached) {
        /**
         * Says whether the sparse path was faster.
         *
         * @return whether sparse steps took less time
         */
        public boolean sparseFaster() {
            return sparseSeconds < denseSeconds;
        }

        /**
         * Returns the masked-dense step time over the sparse one.
         *
         * @return the sparse path's speed-up
         */
        public double speedup() {
            return denseSeconds / sparseSeconds;
        }
    }

    private final Path cache;
    private final StepTimer timer;
    private final Map<String, Measurement> memo = new ConcurrentHashMap<>();
    private volatile boolean warnedDamaged;

    /**
     * Creates a probe.
     *
     * @param cache the file that remembers measurements, or null to keep them in memory only
     * @param timer how steps are timed
     */
    public ExecProbe(Path cache, StepTimer timer) {
        this.cache = cache;
        this.timer = timer;
    }

    /**
     * Returns the probe {@code exec: auto} uses: the real timer and the machine's cache file.
     *
     * @return the shared probe
     */
    public static ExecProbe standard() {
        return STANDARD;
    }

    /**
     * Says whether {@code exec: auto} measures (rather than applying the fixed rule).
     *
     * @return false when {@link #MODE_PROPERTY} is {@code rule}
     */
    public static boolean measuring() {
        return !"rule".equalsIgnoreCase(System.getProperty(MODE_PROPERTY, "measure"));
    }

    /**
     * Returns where measurements are kept: {@code $SPRIG_EXEC_PROBE_CACHE}, else {@code
     * ~/.sprig/exec-probe.json}.
     *
     * @return the file
     */
    public static Path defaultCache() {
        String env = System.getenv(CACHE_ENV);
        return env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".sprig", "exec-probe.json");
    }

    /**
     * Returns the file measurements are kept in.
     *
     * @return the file, or null
     */
    public Path cache() {
        return cache;
    }

    /**
     * Measures both paths for a run (or recalls an earlier measurement of the same case on this
     * machine).
     *
     * @param config the run
     * @param specs its model's layers
     * @return both step times
     */
    public Measurement measure(TrainConfig config, List<LayerSpec> specs) {
        String key = key(config, specs);
        Measurement known = memo.get(key);
        if (known != null) {
            return known;
        }
        Measurement stored = read(key);
        if (stored != null) {
            memo.put(key, stored);
            report(config, stored);
            return stored;
        }
        System.err.printf(
                Locale.ROOT,
                "exec auto: timing %d steps of %s at sparsity %.2f on the sparse path and on the"
                        + " masked-dense engine, in alternating rounds (once per machine)%n",
                ROUNDS * (1 + TIMED_EPOCHS) * STEPS,
                config.model,
                config.sparsity);
        TrainConfig sparse = config.copy();
        sparse.exec = CsrBackend.NAME;
        TrainConfig dense = config.copy();
        dense.exec = "dense";
        List<Double> sparseRounds = new ArrayList<>();
        List<Double> denseRounds = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            // Alternate which path goes first, so that a machine speeding up or slowing down
            // during the probe weighs on both alike.
            boolean sparseFirst = round % 2 == 0;
            double first = timer.secondsPerStep(sparseFirst ? sparse : dense, specs);
            double second = timer.secondsPerStep(sparseFirst ? dense : sparse, specs);
            if (round >= WARM_ROUNDS) {
                sparseRounds.add(sparseFirst ? first : second);
                denseRounds.add(sparseFirst ? second : first);
            }
        }
        Measurement m =
                new Measurement(
                        TimedRounds.median(sparseRounds), TimedRounds.median(denseRounds), false);
        System.err.println(
                "exec auto: seconds per step by round, sparse path "
                        + rounds(sparseRounds)
                        + ", masked-dense engine "
                        + rounds(denseRounds));
        memo.put(key, new Measurement(m.sparseSeconds(), m.denseSeconds(), true));
        write(key, m);
        report(config, m);
        return m;
    }

    private static String rounds(List<Double> values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4f", v));
        }
        return b.toString();
    }

    /** Prints the decision once per case and process, for the run's log. */
    private void report(TrainConfig config, Measurement m) {
        System.err.println("exec auto: " + describe(config, m));
    }

    /**
     * Says what a measurement decided, in one line.
     *
     * @param config the run
     * @param m its measurement
     * @return the line
     */
    String describe(TrainConfig config, Measurement m) {
        return String.format(
                Locale.ROOT,
                "%s at sparsity %.2f, batch %d: sparse path %.4f s/step, masked-dense engine %.4f"
                        + " s/step (%.2fx), measured %s: the %s trains it (--exec %s to override)",
                config.model,
                config.sparsity,
                config.batchSize,
                m.sparseSeconds(),
                m.denseSeconds(),
                m.speedup(),
                m.cached()
                        ? "earlier on this machine" + (cache == null ? "" : " (" + cache + ")")
                        : "now",
                m.sparseFaster() ? "sparse path" : "masked-dense engine",
                m.sparseFaster() ? "dense" : "sparse");
    }

    /**
     * Recalls a measurement made earlier in this process, without measuring.
     *
     * @param config the run
     * @param specs its model's layers
     * @return the measurement, or null
     */
    Measurement recall(TrainConfig config, List<LayerSpec> specs) {
        return memo.get(key(config, specs));
    }

    /**
     * The case a measurement holds for: everything that changes the step times of either path, and
     * the machine.
     */
    static String key(TrainConfig c, List<LayerSpec> specs) {
        LayerSpec first = specs.get(0);
        return String.format(
                Locale.ROOT,
                "%s w%s %dx%dx%d c%d b%d %s %s s%.4f t%d | %s | sprig %s",
                c.model,
                c.widthMultiplier,
                first.inChannels(),
                first.inHeight(),
                first.inWidth(),
                classes(specs),
                c.batchSize,
                c.method,
                c.distribution,
                c.sparsity,
                c.threads,
                machine(),
                Sprig.VERSION);
    }

    private static int classes(List<LayerSpec> specs) {
        for (int i = specs.size() - 1; i >= 0; i--) {
            if (specs.get(i).kind() == LayerKind.LINEAR) {
                return specs.get(i).outChannels();
            }
        }
        return 10;
    }

    /** The processor's name and the cores this JVM sees. */
    static String machine() {
        String cpu = System.getProperty("os.arch");
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            try (var lines = Files.lines(info)) {
                cpu =
                        lines.filter(l -> l.startsWith("model name"))
                                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                                .findFirst()
                                .orElse(cpu);
            } catch (IOException | java.io.UncheckedIOException e) {
                // the architecture alone still separates machines of different kinds
            }
        }
        return cpu + " x" + Runtime.getRuntime().availableProcessors();
    }

    private Measurement read(String key) {
        JsonNode entry = entries().get(key);
        if (entry == null
                || !entry.path("sparse_seconds_per_step").isNumber()
                || !entry.path("dense_seconds_per_step").isNumber()) {
            return null;
        }
        return new Measurement(
                entry.get("sparse_seconds_per_step").asDouble(),
                entry.get("dense_seconds_per_step").asDouble(),
                true);
    }

    private ObjectNode entries() {
        if (cache == null || !Files.isRegularFile(cache)) {
            return Json.JSON.createObjectNode();
        }
        try {
            JsonNode root = Json.JSON.readTree(cache.toFile());
            return root instanceof ObjectNode o ? o : Json.JSON.createObjectNode();
        } catch (IOException e) {
            if (warnedDamaged) {
                return Json.JSON.createObjectNode();
            }
            warnedDamaged = true;
            System.err.println(
                    "warning: "
                            + cache
                            + " is not a probe cache ("
                            + e.getMessage().lines().findFirst().orElse("unreadable")
                            + "); measuring again");
            return Json.JSON.createObjectNode();
        }
    }

    private void write(String key, Measurement m) {
        if (cache == null) {
            return;
        }
        ObjectNode all = entries();
        ObjectNode entry = all.putObject(key);
        entry.put("sparse_seconds_per_step", m.sparseSeconds());
        entry.put("dense_seconds_per_step", m.denseSeconds());
        entry.put("measured", java.time.Instant.now().toString());
        try {
            RunFolder.writeAtomic(cache, Json.pretty(all) + "\n");
        } catch (RuntimeException e) {
            System.err.println(
                    "warning: cannot keep the probe's measurement in "
                            + cache
                            + " ("
                            + e.getMessage()
                            + "); it holds for this process only");
        }
    }

    /**
     * Times a run's training steps on synthetic data of its shape: one warm-up epoch and two timed
     * ones of {@link #STEPS} steps each, the faster kept (evaluation excluded).
     */
    static double timeSteps(TrainConfig config, List<LayerSpec> specs) {
        LayerSpec first = specs.get(0);
        int n = config.batchSize * STEPS;
        ImageSet train =
                SyntheticImages.generate(
                        n, first.inChannels(), first.inHeight(), classes(specs), 1);
        ImageSet test =
                SyntheticImages.generate(
                        Math.min(n, 64), first.inChannels(), first.inHeight(), classes(specs), 2);
        DataSplits data =
                DataSplits.split(
                        "probe",
                        train,
                        test,
                        SyntheticImages.normalization(first.inChannels()),
                        0,
                        0,
                        false);
        TrainConfig c = timedConfig(config);
        List<Double> seconds = new ArrayList<>();
        new Trainer(c, data, null, Methods.hooksFor(c), false)
                .chooseBackend()
                .onEpoch(m -> seconds.add(m.epochSeconds()))
                .run();
        double sum = 0;
        for (double t : seconds.subList(1, seconds.size())) {
            sum += t;
        }
        return sum / TIMED_EPOCHS / STEPS;
    }

    /**
     * The config of one timed run: the user's network, method and backend settings on a short
     * schedule. Settings counted in epochs of the user's schedule (multistep milestones, warm-up,
     * exploration jumps, a fixed EDST exploration) would not fit three epochs and would refuse the
     * run; the learning rate does not change what a step costs, so they are cleared.
     *
     * @param config the user's run
     * @return the probe's run
     */
    static TrainConfig timedConfig(TrainConfig config) {
        TrainConfig c = config.copy();
        c.epochs = 1 + TIMED_EPOCHS;
        c.maxStepsPerEpoch = STEPS;
        c.validationFraction = 0;
        c.lrSchedule = "constant";
        c.lrMilestones = new ArrayList<>();
        c.warmupEpochs = 0;
        c.explorationEpochs = new ArrayList<>();
        c.edstExploreEpochs = null;
        c.epiPruneEpoch = -1;
        c.initFrom = null;
        return c;
    }
}
