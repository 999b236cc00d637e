package dev.sprig.data;

import dev.sprig.SeedStream;
import dev.sprig.SprigException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The training, validation and test sets of one run, with the normalisation they share.
 *
 * <p>The validation set is held out of the training images (never taken from the test set), so
 * best-checkpoint selection does not peek at test accuracy. The split depends only on the seed.
 *
 * @param dataset data set key
 * @param train training images (after the validation hold-out)
 * @param validation held-out images, or null when the fraction is 0
 * @param test test images
 * @param normalization per-channel normalisation
 * @param augment whether training batches are augmented by default ({@code augment: auto})
 * @param augmentation the data set's training transform, used when augmentation is on
 * @param description what a run records about its data beyond the key (source, image size, skipped
 *     files, normalisation origin); empty for the built-in sets
 */
public record DataSplits(
        String dataset,
        ImageSet train,
        ImageSet validation,
        ImageSet test,
        Normalization normalization,
        boolean augment,
        Augmentation augmentation,
        Map<String, Object> description) {

    /** Copies the description. */
    public DataSplits {
        description = Collections.unmodifiableMap(new LinkedHashMap<>(description));
    }

    /**
     * The window length of a text set: its examples are windows of this many tokens plus the next
     * one, read in stream order (never shuffled) by a recurrent model that carries its state.
     *
     * @return tokens per window, 0 for images and tables
     */
    public int sequenceLength() {
        return description.get(TextReader.STEPS_KEY) instanceof Number n ? n.intValue() : 0;
    }

    /**
     * Splits with the CIFAR augmentation (pad 4, crop, flip) and no description.
     *
     * @param dataset data set key
     * @param train training images
     * @param validation held-out images or null
     * @param test test images
     * @param normalization normalisation
     * @param augment whether training batches are augmented by default
     */
    public DataSplits(
            String dataset,
            ImageSet train,
            ImageSet validation,
            ImageSet test,
            Normalization normalization,
            boolean augment) {
        this(
                dataset,
                train,
                validation,
                test,
                normalization,
                augment,
                new PadCropFlip(BatchSource.PAD),
                Map.of());
    }

    /**
     * Loads a data set by name with the default reading options (see {@link #load(DataRequest)}).
     *
     * @param name data set key
     * @param root data root
     * @param validationFraction fraction of training images held out
     * @param seed run seed
     * @return the splits
     */
    public static DataSplits load(String name, Path root, double validationFraction, long seed) {
        return load(DataRequest.of(name, root, validationFraction, seed));
    }

    /**
     * Loads the data set a request names through the reader registered for it ({@link
     * DatasetReaders}): a {@link KnownDataset} key, {@code synthetic}, {@code folder:PATH} or
     * {@code csv:FILE}.
     *
     * @param request what to read and how
     * @return the splits
     * @throws SprigException with one clear line when the data cannot be read
     */
    public static DataSplits load(DataRequest request) {
        return DatasetReaders.forName(request.dataset()).read(request);
    }

    /**
     * Loads a known data set and holds out a validation fraction of its training images.
     *
     * @param dataset the data set
     * @param root data root ({@link DataRoot#resolve})
     * @param validationFraction fraction of training images held out, in [0, 1)
     * @param seed run seed; the split depends only on it
     * @param augment whether to augment training batches
     * @return the splits
     */
    public static DataSplits load(
            KnownDataset dataset,
            Path root,
            double validationFraction,
            long seed,
            boolean augment) {
        Path dir = root.resolve(dataset.key());
        ImageSet train = dataset.load(dir, true);
        ImageSet test = dataset.load(dir, false);
        return split(
                dataset.key(),
                train,
                test,
                dataset.normalization(),
                validationFraction,
                seed,
                augment);
    }

    /**
     * Returns these splits with another training augmentation and description (readers that compute
     * their own recipe).
     *
     * @param recipe the training transform
     * @param info what the run records about the data
     * @return new splits sharing the sets
     */
    public DataSplits with(Augmentation recipe, Map<String, Object> info) {
        return new DataSplits(
                dataset, train, validation, test, normalization, augment, recipe, info);
    }

    /**
     * The names of the classes, when the data set has them (folders, label values).
     *
     * @return one name per class, or null when classes are known only by index
     */
    public List<String> classNames() {
        return train.classNames();
    }

    /**
     * Splits given training images into train and validation.
     *
     * @param name data set key
     * @param fullTrain all training images
     * @param test test images
     * @param norm normalisation
     * @param validationFraction fraction held out, in [0, 1)
     * @param seed seed of the split
     * @param augment whether to augment training batches
     * @return the splits
     */
    public static DataSplits split(
            String name,
            ImageSet fullTrain,
            ImageSet test,
            Normalization norm,
            double validationFraction,
            long seed,
            boolean augment) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new SprigException(
                    "validation fraction must be in [0, 1), got " + validationFraction);
        }
        int n = fullTrain.size();
        int nVal = (int) Math.round(n * validationFraction);
        if (nVal == 0) {
            return new DataSplits(name, fullTrain, null, test, norm, augment);
        }
        int[] perm = permutation(n, new SeedStream(seed).derive("validation-split"));
        int[] val = Arrays.copyOfRange(perm, 0, nVal);
        int[] tr = Arrays.copyOfRange(perm, nVal, n);
        Arrays.sort(val);
        Arrays.sort(tr);
        return new DataSplits(
                name, fullTrain.subset(tr), fullTrain.subset(val), test, norm, augment);
    }

    /**
     * A uniformly random permutation of 0..n-1 (Fisher–Yates).
     *
     * @param n length
     * @param random generator
     * @return the permutation
     */
    public static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
