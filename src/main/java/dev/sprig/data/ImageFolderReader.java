package dev.sprig.data;

import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Reads {@code folder:PATH}, the common layout of users' images: one sub-folder per class holding
 * JPEG or PNG files ({@code PATH/CLASS/IMAGE.jpg}). With {@code PATH/train} and {@code PATH/val}
 * (or {@code PATH/test}) those are the training and test images; otherwise a fixed fifth of each
 * class is held out as the test set, drawn from a seed of its own so every run of a sweep tests on
 * the same images.
 *
 * <p>Images are decoded once ({@link ImageDecoder}) on worker threads into bytes at the run's image
 * size: training images scaled so the shorter side is the size and centre-cropped; test images the
 * same for small sizes, else scaled to size / 0.875 first (the ImageNet evaluation transform, 256 →
 * 224). Training augmentation is pad-and-crop for sizes up to {@value #SMALL_IMAGE} pixels, random
 * resized crop above; both flip. Normalisation is the per-channel mean and deviation of the
 * training images, computed here once; runs record it.
 *
 * <p>Files that are not images by extension are ignored and counted; images that cannot be decoded
 * are an error naming the file, or with {@code skipBadImages} skipped and counted.
 */
public final class ImageFolderReader implements DatasetReader {
    /** The prefix of the data set name. */
    static final String PREFIX = "folder:";

    /** Largest side that augments by pad-and-crop (CIFAR-like); larger use resized crops. */
    static final int SMALL_IMAGE = 64;

    /** Fraction of the evaluation resize kept by the centre crop above SMALL_IMAGE (224/256). */
    static final double EVAL_CROP = 0.875;

    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    @Override
    public boolean reads(String dataset) {
        return dataset.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    @Override
    public String usage() {
        return "folder:PATH";
    }

    @Override
    public DataSplits read(DataRequest request) {
        Path root = Path.of(request.after(PREFIX));
        if (!Files.isDirectory(root)) {
            throw new SprigException(
                    "no image folder at "
                            + root
                            + " (dataset "
                            + request.dataset()
                            + "); expected PATH/CLASS/IMAGE.jpg or PATH/train and PATH/val");
        }
        Path trainDir = root.resolve("train");
        Path testDir = null;
        if (Files.isDirectory(trainDir)) {
            for (String name : List.of("val", "test")) {
                if (Files.isDirectory(trainDir.resolveSibling(name))) {
                    testDir = trainDir.resolveSibling(name);
                    break;
                }
            }
            if (testDir == null) {
                throw new SprigException(root + " has train/ but no val/ or test/ beside it");
            }
        } else {
            trainDir = root;
        }
        List<String> classes = classFolders(trainDir);
        Listing train = list(trainDir, classes);
        Listing test;
        String layout;
        if (testDir != null) {
            test = list(testDir, classes);
            layout = "train/ + " + testDir.getFileName() + "/";
        } else {
            Listing[] parts = train.holdOut();
            train = parts[0];
            test = parts[1];
            layout =
                    "one folder, "
                            + Math.round(TestHoldOut.FRACTION * 100)
                            + "% of each class held out";
        }
        int size = request.imageSize();
        boolean small = size <= SMALL_IMAGE;
        int evalResize = evaluationResize(size);
        String name = request.dataset();
        Decoding trainImages = decode(train, size, size, request, root, "train");
        Decoding testImages = decode(test, evalResize, size, request, root, "test");
        boolean grey = trainImages.allGrey && testImages.allGrey;
        ImageSet trainSet = trainImages.toSet(name + "/train", grey, size, classes);
        ImageSet testSet = testImages.toSet(name + "/test", grey, size, classes);
        Normalization norm =
                request.normalization() != null
                        ? request.normalization()
                        : channelStatistics(trainSet);
        if (norm.mean().length != trainSet.channels()) {
            throw new SprigException(
                    "the normalisation has "
                            + norm.mean().length
                            + " channels, the images of "
                            + root
                            + " have "
                            + trainSet.channels());
        }
        Augmentation recipe =
                small
                        ? PadCropFlip.forSize(size)
                        : new ResizedCropFlip(ResizedCropFlip.DEFAULT_MIN_SCALE);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("source", root.toAbsolutePath().normalize().toString());
        info.put("layout", layout);
        info.put("classes", classes);
        info.put("image_size", size);
        info.put("channels", trainSet.channels());
        info.put("train_images", trainSet.size());
        info.put("test_images", testSet.size());
        info.put("skipped_images", trainImages.skipped.size() + testImages.skipped.size());
        List<String> skipped = new ArrayList<>(trainImages.skipped);
        skipped.addAll(testImages.skipped);
        if (!skipped.isEmpty()) {
            info.put("skipped_files", skipped.subList(0, Math.min(20, skipped.size())));
        }
        info.put("ignored_files", train.ignored + test.ignored);
        info.put(
                "train_transform",
                "resize " + size + ", centre crop " + size + ", " + recipe.describe());
        info.put("test_transform", "resize " + evalResize + ", centre crop " + size);
        info.put(
                "normalization_from",
                request.normalization() != null ? "config" : "training images");
        return DataSplits.split(
                        name,
                        trainSet,
                        testSet,
                        norm,
                        request.validationFraction(),
                        request.seed(),
                        true)
                .with(recipe, info);
    }

    /**
     * The shorter side test images are scaled to before the centre crop of {@code size}: the size
     * itself for small images, size / 0.875 above {@value #SMALL_IMAGE} pixels (256 for 224).
     *
     * @param size image side
     * @return the resize length
     */
    public static int evaluationResize(int size) {
        return size <= SMALL_IMAGE ? size : (int) Math.round(size / EVAL_CROP);
    }

    /** The class folders of a training folder, sorted by name (their order is the label). */
    private static List<String> classFolders(Path dir) {
        List<String> classes = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .forEach(classes::add);
        } catch (IOException e) {
            throw new SprigException("cannot list " + dir + ": " + e.getMessage());
        }
        if (classes.size() < 2) {
            throw new SprigException(
                    dir
                            + " has "
                            + classes.size()
                            + " class folder(s); an image folder needs one sub-folder per class (at"
                            + " least two), e.g. "
                            + dir.resolve("cat")
                            + "/1.jpg and "
                            + dir.resolve("dog")
                            + "/1.jpg");
        }
        return classes;
    }

    /** The image files of each class folder, sorted by name; other files are counted. */
    private static Listing list(Path dir, List<String> classes) {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int ignored = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path sub : s.filter(Files::isDirectory).sorted().toList()) {
                String cls = sub.getFileName().toString();
                if (cls.startsWith(".")) {
                    continue;
                }
                int label = classes.indexOf(cls);
                if (label < 0) {
                    throw new SprigException(
                            sub
                                    + " is a class the training folder lacks; classes: "
                                    + String.join(", ", classes));
                }
                try (Stream<Path> images = Files.list(sub)) {
                    for (Path f : images.sorted().toList()) {
                        if (isImage(f)) {
                            files.add(f);
                            labels.add(label);
                        } else {
                            ignored++;
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new SprigException("cannot list " + dir + ": " + e.getMessage());
        }
        if (files.isEmpty()) {
            throw new SprigException("no .jpg, .jpeg or .png images under " + dir);
        }
        return new Listing(files, labels.stream().mapToInt(Integer::intValue).toArray(), ignored);
    }

    private static boolean isImage(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(f)
                && !n.startsWith(".")
                && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /**
     * Decodes a listing on the request's worker threads; results land by position, so they do not
     * depend on the number of workers. With a cache, a matching cache file replaces the decoding.
     */
    private static Decoding decode(
            Listing listing, int resize, int crop, DataRequest request, Path root, String split) {
        long bytes = (long) listing.files.size() * 3 * crop * crop;
        if (bytes > Integer.MAX_VALUE - 64) {
            throw new SprigException(
                    String.format(
                            Locale.ROOT,
                            "%d %s images at %dx%d need %.1f GiB decoded, more than one in-memory"
                                    + " set holds (2 GiB); use a smaller --image-size",
                            listing.files.size(),
                            split,
                            crop,
                            crop,
                            bytes / Math.pow(2, 30)));
        }
        DecodedCache cache =
                request.cacheDecoded()
                        ? new DecodedCache(
                                root, split, resize, crop, listing.files, request.skipBadImages())
                        : null;
        if (cache != null) {
            Decoding hit = cache.read();
            if (hit != null) {
                return hit;
            }
        }
        int n = listing.files.size();
        byte[][] rgb = new byte[n][];
        boolean[] grey = new boolean[n];
        String[] errors = new String[n];
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        request.workers(),
                        r -> {
                            Thread t = new Thread(r, "sprig-decode");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                jobs.add(
                        pool.submit(
                                () -> {
                                    try {
                                        ImageDecoder.Decoded d =
                                                ImageDecoder.decode(
                                                        listing.files.get(k), resize, crop);
                                        rgb[k] = d.rgb();
                                        grey[k] = d.grey();
                                    } catch (IOException | RuntimeException e) {
                                        errors[k] =
                                                e.getMessage() == null
                                                        ? e.toString()
                                                        : e.getMessage();
                                    }
                                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SprigException("interrupted while decoding " + root);
        } catch (ExecutionException e) {
            throw new SprigException("decoding " + root + " failed: " + e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<String> skipped = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (errors[i] == null) {
                kept.add(i);
                continue;
            }
            if (!request.skipBadImages()) {
                throw new SprigException(
                        "cannot read image "
                                + listing.files.get(i)
                                + ": "
                                + errors[i]
                                + " (pass --skip-bad-images to skip unreadable images)");
            }
            skipped.add(listing.files.get(i) + ": " + errors[i]);
        }
        if (kept.isEmpty()) {
            throw new SprigException(
                    "none of the " + n + " " + split + " images under " + root + " could be read");
        }
        if (!skipped.isEmpty()) {
            System.err.printf(
                    "warning: skipped %d unreadable %s image(s) under %s; first: %s%n",
                    skipped.size(), split, root, skipped.get(0));
        }
        int m = kept.size();
        byte[] pixels = new byte[m * 3 * crop * crop];
        int[] labels = new int[m];
        boolean allGrey = true;
        for (int j = 0; j < m; j++) {
            int i = kept.get(j);
            System.arraycopy(rgb[i], 0, pixels, j * rgb[i].length, rgb[i].length);
            labels[j] = listing.labels[i];
            allGrey &= grey[i];
        }
        Decoding done = new Decoding(pixels, labels, allGrey, skipped);
        if (cache != null) {
            cache.write(done);
        }
        return done;
    }

    /** Per-channel mean and deviation of the training pixels in [0, 1]. */
    static Normalization channelStatistics(ImageSet set) {
        int c = set.channels();
        int plane = set.height() * set.width();
        float[] mean = new float[c];
        float[] std = new float[c];
        byte[] px = set.pixels();
        for (int ch = 0; ch < c; ch++) {
            long[] histogram = new long[256];
            for (int n = 0; n < set.size(); n++) {
                int base = (n * c + ch) * plane;
                for (int k = 0; k < plane; k++) {
                    histogram[px[base + k] & 0xff]++;
                }
            }
            double count = (double) set.size() * plane;
            double sum = 0;
            double sq = 0;
            for (int v = 0; v < 256; v++) {
                double x = v / 255.0;
                sum += histogram[v] * x;
                sq += histogram[v] * x * x;
            }
            double mu = sum / count;
            double var = Math.max(0, sq / count - mu * mu);
            mean[ch] = (float) mu;
            // A constant channel would divide by zero; it carries no information either way.
            std[ch] = var > 1e-12 ? (float) Math.sqrt(var) : 1f;
        }
        return new Normalization(mean, std);
    }

    /** The files of one split and their labels; {@code ignored} counts non-image files. */
    record Listing(List<Path> files, int[] labels, int ignored) {
        /** Splits off the test files ({@link TestHoldOut}): {kept, held out}. */
        Listing[] holdOut() {
            int classes = Arrays.stream(labels).max().orElse(0) + 1;
            boolean[] held = TestHoldOut.mask(labels, classes, "folder");
            List<Path> keepFiles = new ArrayList<>();
            List<Path> outFiles = new ArrayList<>();
            int[] keepLabels = new int[labels.length];
            int[] outLabels = new int[labels.length];
            for (int i = 0; i < labels.length; i++) {
                if (held[i]) {
                    outLabels[outFiles.size()] = labels[i];
                    outFiles.add(files.get(i));
                } else {
                    keepLabels[keepFiles.size()] = labels[i];
                    keepFiles.add(files.get(i));
                }
            }
            if (outFiles.isEmpty()) {
                throw new SprigException(
                        "too few images to hold out a test set: give each class"
                                + " at least two, or use PATH/train and PATH/val");
            }
            return new Listing[] {
                new Listing(keepFiles, Arrays.copyOf(keepLabels, keepFiles.size()), ignored),
                new Listing(outFiles, Arrays.copyOf(outLabels, outFiles.size()), 0)
            };
        }
    }

    /** Decoded RGB images of one split. */
    record Decoding(byte[] pixels, int[] labels, boolean allGrey, List<String> skipped) {
        ImageSet toSet(String name, boolean grey, int size, List<String> classes) {
            int plane = size * size;
            byte[] px = pixels;
            if (grey) {
                // Grey files decode to three equal planes: keep one.
                px = new byte[labels.length * plane];
                for (int n = 0; n < labels.length; n++) {
                    System.arraycopy(pixels, n * 3 * plane, px, n * plane, plane);
                }
            }
            return new ImageSet(
                    name, px, labels, grey ? 1 : 3, size, size, classes.size(), null, classes);
        }
    }
}
