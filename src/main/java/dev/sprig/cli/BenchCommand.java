package dev.sprig.cli;

import dev.sprig.data.DataSplits;
import dev.sprig.data.ImageSet;
import dev.sprig.data.SyntheticImages;
import dev.sprig.train.Json;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TimedRounds;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Benchmarks (speed is measured here, never in tests). */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks.",
        subcommands = {BenchCommand.Train.class, BenchCommand.Sparse.class, PipelineBench.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("usage: sprig bench train|sparse|pipeline [--help]");
    }

    /**
     * Training throughput of Sprig's own loop on synthetic data: LeNet-300-100 (1×28×28, batch 128)
     * and ResNet-20 (3×32×32, batch 64), timed by {@link BenchCommand#roundRates}: rounds of whole
     * short "epochs" lasting at least {@code --min-seconds}, after a warm-up round; the median is
     * reported.
     */
    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            abbreviateSynopsis = true,
            showDefaultValues = true,
            description =
                    "Samples/s of Sprig's training loop on synthetic data (compare with"
                            + " bench/pytorch_train.py).")
    static final class Train implements Callable<Integer> {
        @Option(names = "--steps", description = "steps per round")
        int steps = 50;

        @CommandLine.Mixin Rounds timing = new Rounds();

        @Option(names = "--threads", description = "engine threads (0 = engine default)")
        int threads = 0;

        @Option(
                names = "--models",
                split = ",",
                description = "which models; NAME@WIDTH scales hidden widths (vgg-11@0.25)")
        List<String> models = List.of("lenet-300-100", "resnet-20");

        @Option(names = "--device", description = "auto, cpu, gpu, gpu:N")
        String device = "auto";

        @Option(names = "--json", description = "write results here")
        Path json;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String model : models) {
                boolean mlp = model.startsWith("lenet-300");
                int channels = mlp ? 1 : 3;
                int size = mlp ? 28 : 32;
                int batch = mlp ? 128 : 64;
                ImageSet train = SyntheticImages.generate(batch * steps, channels, size, 10, 1);
                ImageSet test = SyntheticImages.generate(batch, channels, size, 10, 2);
                DataSplits data =
                        DataSplits.split(
                                "synthetic",
                                train,
                                test,
                                SyntheticImages.normalization(channels),
                                0,
                                0,
                                false);
                TrainConfig c = new TrainConfig();
                // "vgg-11@0.25": a zoo model at a width multiplier.
                c.model = model.split("@")[0];
                c.widthMultiplier =
                        model.contains("@") ? Double.parseDouble(model.split("@")[1]) : 1.0;
                c.dataset = "synthetic";
                c.epochs = timing.rounds;
                c.batchSize = batch;
                c.maxStepsPerEpoch = steps;
                c.lrSchedule = "constant";
                c.lr = 0.01;
                c.threads = threads;
                c.device = device;
                c.validationFraction = 0;
                List<Double> rates = roundRates(c, data, false, timing.rounds, timing.minSeconds);
                rates.sort(Double::compare);
                double median =
                        rates.size() % 2 == 1
                                ? rates.get(rates.size() / 2)
                                : (rates.get(rates.size() / 2 - 1) + rates.get(rates.size() / 2))
                                        / 2;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("framework", "sprig");
                row.put("model", model);
                row.put("batch_size", batch);
                row.put("samples_per_s", median);
                row.put("rounds", rates);
                rows.add(row);
                System.out.printf(
                        "sprig  %-14s batch %3d  %10.0f samples/s (median of %d rounds)%n",
                        model, batch, median, rates.size());
            }
            if (json != null) {
                RunFolder.writeAtomic(json, Json.pretty(rows) + "\n");
            }
            return 0;
        }
    }

    /**
     * Training throughput of MLPs (synthetic 1×28×28 data) and CNNs (3×32×32) on the sparse path,
     * the masked-dense path and (when Debian's python3-torch is installed) PyTorch dense and
     * masked, at several sparsities, all with the same batch, optimiser, thread count and timing
     * rule ({@link BenchCommand#roundRates}; the peer's {@code bench/timing.py} follows it): rounds
     * of whole short epochs lasting at least {@code --min-seconds}, after a warm-up round; the
     * median is reported. Masks are static and uniform (every layer at the target sparsity), so the
     * rows measure the training step itself; RigL's periodic updates are measured by real runs.
     */
    @Command(
            name = "sparse",
            mixinStandardHelpOptions = true,
            showDefaultValues = true,
            description =
                    "Samples/s of the sparse vs masked-dense paths (and PyTorch), MLPs and CNNs.")
    static final class Sparse implements Callable<Integer> {
        @Option(names = "--steps", description = "steps per round")
        int steps = 30;

        @CommandLine.Mixin Rounds timing = new Rounds();

        @Option(names = "--batch", description = "batch size")
        int batch = 128;

        @Option(names = "--threads", description = "threads for every framework (0 = all cores)")
        int threads = 0;

        @Option(names = "--cnn-batch", description = "batch size of convolutional models")
        int cnnBatch = 64;

        @Option(
                names = "--models",
                split = ",",
                description = "models (MLPs on 1x28x28, CNNs such as resnet-20 on 3x32x32)")
        List<String> models = List.of("lenet-300-100", "mlp-4096-4096");

        private static DataSplits syntheticData(int n, int channels, int size) {
            ImageSet train = SyntheticImages.generate(n, channels, size, 10, 1);
            ImageSet test = SyntheticImages.generate(Math.min(n, 128), channels, size, 10, 2);
            return DataSplits.split(
                    "synthetic", train, test, SyntheticImages.normalization(channels), 0, 0, false);
        }

        @Option(names = "--sparsities", split = ",", description = "sparsities")
        List<Double> sparsities = List.of(0.0, 0.9, 0.95, 0.98, 0.99);

        @Option(
                names = "--pytorch",
                description =
                        "PyTorch script to run with /usr/bin/python3 (skipped when torch is"
                                + " missing; 'off' to skip)")
        String pytorch = "bench/pytorch_sparse.py";

        @Option(names = "--json", description = "write one row per (model, path, sparsity) here")
        Path json;

        @Override
        public Integer call() {
            int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String model : models) {
                // MLPs train on 1x28x28 images, CNNs on 3x32x32 (CIFAR's shape).
                boolean cnn =
                        dev.sprig.models.ModelZoo.specs(model, 3, 32, 10, 1).stream()
                                .anyMatch(l -> l.kind() == dev.sprig.models.LayerKind.CONV);
                int channels = cnn ? 3 : 1;
                int size = cnn ? 32 : 28;
                int b = cnn ? cnnBatch : batch;
                DataSplits data = syntheticData(b * steps, channels, size);
                for (double s : sparsities) {
                    for (String path : List.of("sprig-sparse", "sprig-masked-dense")) {
                        TrainConfig c = new TrainConfig();
                        c.model = model;
                        c.dataset = "synthetic";
                        c.method = s == 0 ? "dense" : "static";
                        c.sparsity = s;
                        c.distribution = "uniform";
                        c.epochs = timing.rounds;
                        c.batchSize = b;
                        c.evalBatchSize = b;
                        c.maxStepsPerEpoch = steps;
                        c.lrSchedule = "constant";
                        c.lr = 0.01;
                        c.threads = t;
                        c.validationFraction = 0;
                        c.exec = path.equals("sprig-sparse") ? "sparse" : "dense";
                        // One Trainer; exec picks the backend, the same loop times both.
                        List<Double> rates =
                                roundRates(c, data, true, timing.rounds, timing.minSeconds);
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("model", model);
                        row.put("path", path);
                        row.put("sparsity", s);
                        row.put("samples_per_s", TimedRounds.median(rates));
                        row.put("rounds", rates);
                        row.put("threads", t);
                        row.put("batch_size", b);
                        rows.add(row);
                        System.out.printf(
                                Locale.ROOT,
                                "%-14s %-20s sparsity %.2f  %10.0f samples/s%n",
                                model,
                                path,
                                s,
                                TimedRounds.median(rates));
                    }
                }
            }
            rows.addAll(pytorchRows(t));
            printRatios(rows);
            if (json != null) {
                RunFolder.writeAtomic(json, Json.pretty(rows) + "\n");
            }
            return 0;
        }

        private List<Map<String, Object>> pytorchRows(int t) {
            Path script = Path.of(pytorch);
            if (pytorch.equals("off")) {
                return List.of();
            }
            if (!java.nio.file.Files.isRegularFile(script)
                    || !java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3"))) {
                System.out.println(
                        "pytorch rows skipped: " + script + " or /usr/bin/python3 not found");
                return List.of();
            }
            // bench/peer.sh makes the peer fair (OpenBLAS, not the reference BLAS) or refuses.
            List<String> cmd =
                    new ArrayList<>(
                            List.of(
                                    "bash",
                                    "-c",
                                    "source bench/peer.sh && fair_peer >&2 && peer_python \"$@\"",
                                    "peer",
                                    script.toString(),
                                    "--min-seconds",
                                    Double.toString(timing.minSeconds),
                                    "--threads",
                                    Integer.toString(t),
                                    "--steps",
                                    Integer.toString(steps),
                                    "--rounds",
                                    Integer.toString(timing.rounds),
                                    "--batch",
                                    Integer.toString(batch),
                                    "--cnn-batch",
                                    Integer.toString(cnnBatch),
                                    "--models",
                                    String.join(",", models),
                                    "--sparsities",
                                    String.join(
                                            ",",
                                            sparsities.stream().map(String::valueOf).toList())));
            try {
                ProcessBuilder pb =
                        new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(t));
                pb.environment().put("OMP_NUM_THREADS", Integer.toString(t));
                Process p = pb.start();
                String out =
                        new String(
                                p.getInputStream().readAllBytes(),
                                java.nio.charset.StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    System.out.println(
                            "pytorch rows skipped: no fair peer (PyTorch with OpenBLAS; see"
                                    + " bench/peer.sh) or the script failed");
                    return List.of();
                }
                List<Map<String, Object>> rows =
                        Json.JSON.readValue(
                                out.trim(),
                                new com.fasterxml.jackson.core.type.TypeReference<
                                        List<Map<String, Object>>>() {});
                for (Map<String, Object> r : rows) {
                    System.out.printf(
                            Locale.ROOT,
                            "%-14s %-20s sparsity %.2f  %10.0f samples/s%n",
                            r.get("model"),
                            r.get("path"),
                            ((Number) r.get("sparsity")).doubleValue(),
                            ((Number) r.get("samples_per_s")).doubleValue());
                }
                return rows;
            } catch (java.io.IOException e) {
                System.out.println("pytorch rows skipped: " + e.getMessage());
                return List.of();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }

        private static void printRatios(List<Map<String, Object>> rows) {
            Map<String, Double> torchDense = new LinkedHashMap<>();
            for (Map<String, Object> r : rows) {
                if ("pytorch-dense".equals(r.get("path"))) {
                    torchDense.put(
                            (String) r.get("model"),
                            ((Number) r.get("samples_per_s")).doubleValue());
                }
            }
            for (Map<String, Object> r : rows) {
                Double base = torchDense.get((String) r.get("model"));
                if ("sprig-sparse".equals(r.get("path")) && base != null) {
                    System.out.printf(
                            Locale.ROOT,
                            "%-14s sparsity %.2f  sprig sparse / pytorch dense = %.2fx%n",
                            r.get("model"),
                            ((Number) r.get("sparsity")).doubleValue(),
                            ((Number) r.get("samples_per_s")).doubleValue() / base);
                }
            }
        }
    }

    /** How training is timed, the same for every benchmark and for the PyTorch peer. */
    static final class Rounds {
        @Option(names = "--rounds", description = "timed rounds (after a warm-up round)")
        int rounds = 5;

        @Option(
                names = "--min-seconds",
                description = "each round lasts at least this long (short epochs are grouped)")
        double minSeconds = 1.0;
    }

    /**
     * Times training in rounds of at least {@code minSeconds}: an epoch of the config's steps is
     * timed once to find how many epochs make a round, then a warm-up as long as a round and the
     * rounds run in one training, each round's rate its samples over its summed step time
     * (evaluation excluded). Rounds this long keep the spread of short, fast models (an MLP epoch
     * takes about 0.1 s) from deciding a ratio; with a warm-up of one epoch the first timed round
     * of an MLP still ran 10-20% slow (the JIT was still compiling the training's kernels).
     *
     * @param c the run (its epochs are set here)
     * @param data the data
     * @param chooseBackend whether {@code exec} picks the backend
     * @param rounds timed rounds
     * @param minSeconds least training time per round
     * @return samples/s per round
     */
    static List<Double> roundRates(
            TrainConfig c, DataSplits data, boolean chooseBackend, int rounds, double minSeconds) {
        List<Double> seconds = new ArrayList<>();
        TrainConfig calibrate = c.copy();
        calibrate.epochs = 2;
        epochs(calibrate, data, chooseBackend, seconds);
        int perRound = (int) Math.max(1, Math.ceil(minSeconds / Math.max(seconds.get(1), 1e-6)));
        TrainConfig timed = c.copy();
        timed.epochs = (1 + rounds) * perRound;
        seconds.clear();
        epochs(timed, data, chooseBackend, seconds);
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double sum = 0;
            for (int k = 0; k < perRound; k++) {
                sum += seconds.get((1 + r) * perRound + k);
            }
            rates.add((double) perRound * c.maxStepsPerEpoch * c.batchSize / sum);
        }
        return rates;
    }

    /** Trains a config, collecting each epoch's training seconds. */
    private static void epochs(
            TrainConfig c, DataSplits data, boolean chooseBackend, List<Double> seconds) {
        Trainer t =
                new Trainer(c, data, null, Methods.hooksFor(c), false)
                        .onEpoch(m -> seconds.add(m.epochSeconds()));
        if (chooseBackend) {
            t.chooseBackend();
        }
        t.run();
    }
}
