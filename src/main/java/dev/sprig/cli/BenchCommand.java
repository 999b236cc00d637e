package dev.sprig.cli;

import dev.sprig.data.DataSplits;
import dev.sprig.data.ImageSet;
import dev.sprig.data.SyntheticImages;
import dev.sprig.train.EpochContext;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import dev.sprig.train.TrainingHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Benchmarks (speed is measured here, never in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchCommand.Train.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("usage: sprig bench train [--help]");
    }

    /**
     * Training throughput of Sprig's own loop on synthetic data: LeNet-300-100 (1×28×28, batch
     * 128) and ResNet-20 (3×32×32, batch 64). Each round is one short "epoch" timed by the trainer
     * itself; the first round is warm-up and the median of the rest is reported.
     */
    @Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Samples/s of Sprig's training loop on synthetic data (compare with bench/pytorch_train.py).")
    static final class Train implements Callable<Integer> {
        @Option(names = "--steps", description = "steps per round") int steps = 50;
        @Option(names = "--rounds", description = "rounds (the first is warm-up)") int rounds = 6;
        @Option(names = "--threads", description = "engine threads (0 = engine default)") int threads = 0;
        @Option(names = "--models", split = ",", description = "which models") List<String> models = List.of("lenet-300-100", "resnet-20");
        @Option(names = "--device", description = "auto, cpu, gpu, gpu:N") String device = "auto";
        @Option(names = "--json", description = "write results here") Path json;

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
                DataSplits data = DataSplits.split("synthetic", train, test, SyntheticImages.normalization(channels), 0, 0, false);
                TrainConfig c = new TrainConfig();
                c.model = model;
                c.dataset = "synthetic";
                c.epochs = rounds;
                c.batchSize = batch;
                c.maxStepsPerEpoch = steps;
                c.lrSchedule = "constant";
                c.lr = 0.01;
                c.threads = threads;
                c.device = device;
                c.validationFraction = 0;
                List<Double> rates = new ArrayList<>();
                TrainingHook timer = new TrainingHook() {
                    @Override
                    public void onEpochEnd(EpochContext e) {
                        if (e.epoch() > 0) {
                            rates.add(steps * (double) batch / e.metrics().epochSeconds());
                        }
                    }
                };
                new Trainer(c, data, null, List.of(timer), false).run();
                rates.sort(Double::compare);
                double median = rates.size() % 2 == 1
                        ? rates.get(rates.size() / 2)
                        : (rates.get(rates.size() / 2 - 1) + rates.get(rates.size() / 2)) / 2;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("framework", "sprig");
                row.put("model", model);
                row.put("batch_size", batch);
                row.put("samples_per_s", median);
                row.put("rounds", rates);
                rows.add(row);
                System.out.printf("sprig  %-14s batch %3d  %10.0f samples/s (median of %d rounds)%n", model, batch, median, rates.size());
            }
            if (json != null) {
                RunFolder.writeAtomic(json, Json.pretty(rows) + "\n");
            }
            return 0;
        }
    }
}
