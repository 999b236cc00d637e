package dev.sprig.cli;

import dev.sprig.SprigException;
import dev.sprig.data.BatchPrefetcher;
import dev.sprig.data.BatchSource;
import dev.sprig.data.DataRequest;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TimedRounds;
import dev.sprig.train.TrainConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Whether data or compute bounds a training step on an image folder: images/s of decoding the
 * folder once, of filling augmented batches (one thread, and the prefetcher's workers), and of the
 * training step itself (ResNet-18 by default) on batches that cost nothing to fill, at each image
 * size. Without {@code --folder} it writes a folder of photo-sized JPEGs (500 × 375, the typical
 * ImageNet image) to a temporary directory first.
 */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description =
                "Images/s of the image-folder pipeline (decode, batch filling) against the"
                        + " training step's consumption, per image size.")
final class PipelineBench implements Callable<Integer> {
    @Option(names = "--folder", description = "an image folder (default: generated JPEGs)")
    Path folder;

    @Option(names = "--images", description = "generated images (without --folder)")
    int images = 256;

    @Option(names = "--sizes", split = ",", description = "image sizes")
    List<Integer> sizes = List.of(64, 224);

    @Option(names = "--model", description = "the network whose step consumes the batches")
    String model = "resnet-18";

    @Option(names = "--batch", description = "batch size")
    int batch = 32;

    @Option(names = "--steps", description = "training steps per round")
    int steps = 2;

    @Option(names = "--threads", description = "engine threads (0 = engine default)")
    int threads = 0;

    @Option(names = "--workers", description = "batch-filling workers of the prefetcher")
    int workers = 2;

    @CommandLine.Mixin BenchCommand.Rounds timing = new BenchCommand.Rounds();

    @Option(names = "--json", description = "write results here")
    Path json;

    @Override
    public Integer call() throws IOException {
        Path dir = folder;
        if (dir == null) {
            dir = Files.createTempDirectory("sprig-pipeline");
            writePhotos(dir, images);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.println(
                "size  decode img/s  fill img/s (1 thread)  fill img/s ("
                        + workers
                        + " workers)  train step img/s  bound");
        for (int size : sizes) {
            DataRequest request =
                    new DataRequest(
                            "folder:" + dir,
                            dir,
                            0,
                            0,
                            size,
                            false,
                            null,
                            DataRequest.defaultWorkers(),
                            false,
                            null);
            long t0 = System.nanoTime();
            DataSplits data = DataSplits.load(request);
            int decoded = data.train().size() + data.test().size();
            double decode = decoded / ((System.nanoTime() - t0) / 1e9);
            BatchSource source =
                    new BatchSource(
                            data.train(),
                            data.normalization(),
                            batch,
                            true,
                            data.augmentation(),
                            0);
            int perEpoch = source.batchesPerEpoch();
            double fillOne = fillRate(source, perEpoch, 0);
            double fillMany = fillRate(source, perEpoch, workers);
            TrainConfig c = new TrainConfig();
            c.model = model;
            c.dataset = "folder:" + dir;
            c.epochs = timing.rounds;
            c.batchSize = batch;
            c.maxStepsPerEpoch = Math.min(steps, perEpoch);
            c.lrSchedule = "constant";
            c.lr = 0.01;
            c.threads = threads;
            c.validationFraction = 0;
            c.augment = "off";
            c.dataWorkers = 0;
            c.evalBatchSize = batch;
            // The step alone: no augmentation, batches filled inline from bytes in memory.
            DataSplits small =
                    DataSplits.split(
                            data.dataset(),
                            data.train(),
                            data.test().subset(new int[] {0}),
                            data.normalization(),
                            0,
                            0,
                            false);
            double step =
                    TimedRounds.median(
                            BenchCommand.roundRates(
                                    c, small, false, timing.rounds, timing.minSeconds));
            String bound = Math.max(fillOne, fillMany) >= step ? "compute" : "data";
            System.out.printf(
                    Locale.ROOT,
                    "%4d  %12.0f  %21.0f  %21.0f  %16.1f  %s%n",
                    size,
                    decode,
                    fillOne,
                    fillMany,
                    step,
                    bound);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("image_size", size);
            row.put("model", model);
            row.put("batch_size", batch);
            row.put("images", decoded);
            row.put("decode_images_per_s", decode);
            row.put("fill_images_per_s_1_thread", fillOne);
            row.put("fill_images_per_s_workers", fillMany);
            row.put("workers", workers);
            row.put("train_step_images_per_s", step);
            row.put("bound", bound);
            rows.add(row);
        }
        if (json != null) {
            RunFolder.writeAtomic(json, Json.pretty(rows) + "\n");
        }
        return 0;
    }

    /** Images/s of filling augmented batches, inline (0 workers) or on the prefetcher's workers. */
    private double fillRate(BatchSource source, int perEpoch, int workerCount) {
        List<Double> rates = new ArrayList<>();
        try (BatchPrefetcher p = new BatchPrefetcher(source, perEpoch, workerCount, 2 * workers)) {
            int epoch = 0;
            for (int round = 0; round <= timing.rounds; round++) {
                long t0 = System.nanoTime();
                long n = 0;
                do {
                    for (int b = 0; b < perEpoch; b++) {
                        n += p.batch(epoch, b).size();
                    }
                    epoch++;
                } while ((System.nanoTime() - t0) / 1e9 < timing.minSeconds);
                if (round > 0) {
                    rates.add(n / ((System.nanoTime() - t0) / 1e9));
                }
            }
        }
        return TimedRounds.median(rates);
    }

    /** Photo-like JPEGs in two classes: gradients, discs and noise, so decoding does real work. */
    static void writePhotos(Path dir, int n) throws IOException {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(500, 375, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            try {
                g.setPaint(
                        new java.awt.GradientPaint(
                                0,
                                0,
                                new Color(r.nextInt(1 << 24)),
                                500,
                                375,
                                new Color(r.nextInt(1 << 24))));
                g.fillRect(0, 0, 500, 375);
                for (int k = 0; k < 12; k++) {
                    g.setColor(new Color(r.nextInt(1 << 24)));
                    g.fillOval(
                            r.nextInt(450),
                            r.nextInt(325),
                            20 + r.nextInt(120),
                            20 + r.nextInt(120));
                }
            } finally {
                g.dispose();
            }
            for (int k = 0; k < 4000; k++) {
                img.setRGB(r.nextInt(500), r.nextInt(375), r.nextInt(1 << 24));
            }
            Path f = dir.resolve((i % 2 == 0 ? "even" : "odd") + "/" + i + ".jpg");
            Files.createDirectories(f.getParent());
            if (!ImageIO.write(img, "jpg", f.toFile())) {
                throw new SprigException("no JPEG writer in this JDK");
            }
        }
    }
}
