package dev.sprig.data;

import dev.sprig.SeedStream;
import java.util.SplittableRandom;

/**
 * Turns an {@link ImageSet} into normalised float batches in a deterministic order.
 *
 * <p>The order of epoch e is a permutation drawn from {@code (seed, "shuffle", e)} and the
 * augmentation of batch b in epoch e from {@code (seed, "augment", e, b)}, so batch b of epoch e is
 * the same whether the run was interrupted or not: resuming needs only (epoch, batch).
 *
 * <p>Training batches are augmented by the data set's recipe ({@link Augmentation}; for CIFAR the
 * authors' pad-4, crop and flip). Tables of features are standardised with the normalisation's
 * per-feature mean and deviation and never augmented.
 *
 * <p>{@link #batch} is a pure function of (epoch, batch) and safe to call from several threads,
 * which is what lets {@link BatchPrefetcher} fill batches ahead on workers without changing them.
 */
public final class BatchSource {
    /** Padding of the random-crop augmentation, in pixels. */
    public static final int PAD = 4;

    private final ImageSet set;
    private final float[][] tables;
    private final float[] featureMean;
    private final float[] featureStd;
    private final int batchSize;
    private final boolean shuffle;
    private final Augmentation augmentation;
    private final SeedStream seeds;
    private int cachedEpoch = Integer.MIN_VALUE;
    private int[] cachedOrder;

    /**
     * Creates a batch source.
     *
     * @param set the images
     * @param norm normalisation
     * @param batchSize images per batch (the last batch of an epoch may be smaller)
     * @param shuffle whether each epoch uses a fresh permutation
     * @param augment whether to apply the CIFAR pad-4 crop-and-flip augmentation
     * @param seed run seed
     */
    public BatchSource(
            ImageSet set,
            Normalization norm,
            int batchSize,
            boolean shuffle,
            boolean augment,
            long seed) {
        this(set, norm, batchSize, shuffle, augment ? new PadCropFlip(PAD) : null, seed);
    }

    /**
     * Creates a batch source with a given augmentation.
     *
     * @param set the images or table
     * @param norm normalisation
     * @param batchSize images per batch (the last batch of an epoch may be smaller)
     * @param shuffle whether each epoch uses a fresh permutation
     * @param augmentation the training transform, or null for none
     * @param seed run seed
     */
    public BatchSource(
            ImageSet set,
            Normalization norm,
            int batchSize,
            boolean shuffle,
            Augmentation augmentation,
            long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (norm.mean().length != set.channels()) {
            throw new IllegalArgumentException(
                    "normalisation has "
                            + norm.mean().length
                            + " channels, images have "
                            + set.channels());
        }
        if (set.isTable() && augmentation != null) {
            throw new IllegalArgumentException(set.name() + ": a table cannot be augmented");
        }
        this.set = set;
        this.tables = new float[set.channels()][];
        if (!set.isTable()) {
            for (int c = 0; c < set.channels(); c++) {
                tables[c] = norm.table(c);
            }
        }
        this.featureMean = norm.mean().clone();
        this.featureStd = norm.std().clone();
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.augmentation = augmentation;
        this.seeds = new SeedStream(seed);
    }

    /**
     * Returns the image set.
     *
     * @return the images
     */
    public ImageSet set() {
        return set;
    }

    /**
     * Returns the number of batches in one epoch (the last one may be partial).
     *
     * @return ceil(N / batch size)
     */
    public int batchesPerEpoch() {
        return (set.size() + batchSize - 1) / batchSize;
    }

    /**
     * Returns the nominal batch size.
     *
     * @return batch size
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Returns the image order of one epoch.
     *
     * @param epoch epoch index from 0
     * @return a permutation of the image indices (identity when not shuffling)
     */
    public synchronized int[] order(int epoch) {
        if (epoch != cachedEpoch) {
            if (shuffle) {
                cachedOrder = DataSplits.permutation(set.size(), seeds.derive("shuffle", epoch));
            } else {
                cachedOrder = new int[set.size()];
                for (int i = 0; i < cachedOrder.length; i++) {
                    cachedOrder[i] = i;
                }
            }
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    /**
     * Fills one batch.
     *
     * @param epoch epoch index
     * @param batch batch index within the epoch
     * @return the batch, with freshly allocated arrays
     */
    public Batch batch(int epoch, int batch) {
        int[] order = order(epoch);
        int from = batch * batchSize;
        int count = Math.min(batchSize, set.size() - from);
        if (count <= 0) {
            throw new IllegalArgumentException("batch " + batch + " is past the end of the epoch");
        }
        int stride = set.imageSize();
        float[] x = new float[count * stride];
        int[] y = new int[count];
        SplittableRandom rnd = augmentation != null ? seeds.derive("augment", epoch, batch) : null;
        for (int i = 0; i < count; i++) {
            int idx = order[from + i];
            y[i] = set.labels()[idx];
            if (set.isTable()) {
                copyStandardised(idx, x, i * stride);
            } else if (rnd == null) {
                copyNormalised(idx, x, i * stride);
            } else {
                augmentation.apply(set, idx, tables, x, i * stride, rnd);
            }
        }
        return new Batch(x, y);
    }

    private void copyStandardised(int idx, float[] out, int off) {
        float[] f = set.features();
        int n = set.channels();
        int base = idx * n;
        for (int k = 0; k < n; k++) {
            out[off + k] = (f[base + k] - featureMean[k]) / featureStd[k];
        }
    }

    private void copyNormalised(int idx, float[] out, int off) {
        byte[] px = set.pixels();
        int plane = set.height() * set.width();
        int base = idx * set.imageSize();
        for (int c = 0; c < set.channels(); c++) {
            float[] t = tables[c];
            int o = off + c * plane;
            int s = base + c * plane;
            for (int k = 0; k < plane; k++) {
                out[o + k] = t[px[s + k] & 0xff];
            }
        }
    }

    /** The CIFAR shift-and-flip of one image ({@link PadCropFlip}), for tests. */
    void copyAugmented(int idx, float[] out, int off, int dy, int dx, boolean flip) {
        PadCropFlip.copyShifted(set, idx, tables, out, off, dy, dx, flip);
    }

    /**
     * One batch of normalised images and their labels.
     *
     * @param images count·C·H·W floats
     * @param labels count class indices
     */
    public record Batch(float[] images, int[] labels) {
        /**
         * Returns the number of images.
         *
         * @return count
         */
        public int size() {
            return labels.length;
        }
    }
}
