package dev.sprig.data;

import dev.sprig.SeedStream;
import dev.sprig.SprigException;
import java.nio.file.Path;
import java.util.Arrays;
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
 * @param augment whether training batches are augmented (pad 4, crop, flip)
 */
public record DataSplits(
        String dataset,
        ImageSet train,
        ImageSet validation,
        ImageSet test,
        Normalization normalization,
        boolean augment) {

    /**
     * Loads a data set by name: a {@link KnownDataset} key, or {@code synthetic} (learnable random
     * 1×28×28 images in 10 classes, 4,000 for training and 1,000 for test) for smoke runs.
     *
     * @param name data set key
     * @param root data root
     * @param validationFraction fraction of training images held out
     * @param seed run seed
     * @return the splits
     */
    public static DataSplits load(String name, Path root, double validationFraction, long seed) {
        if (name.equalsIgnoreCase("synthetic")) {
            ImageSet train = SyntheticImages.generate(4000, 1, 28, 10, 7);
            ImageSet test = SyntheticImages.generate(1000, 1, 28, 10, 8);
            return split(
                    "synthetic",
                    train,
                    test,
                    SyntheticImages.normalization(1),
                    validationFraction,
                    seed,
                    false);
        }
        KnownDataset d = KnownDataset.of(name);
        return load(d, root, validationFraction, seed, d.augmentsByDefault());
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
