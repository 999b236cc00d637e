package dev.sprig.data;

import java.util.SplittableRandom;

/**
 * A training-time transform of one stored image into the batch, drawn from a generator that the
 * batch source seeds per (epoch, batch), so an augmented batch is the same whoever fills it and
 * whenever. Each recipe is one class: {@link PadCropFlip} (CIFAR, small images) and {@link
 * ResizedCropFlip} (ImageNet-style, larger images).
 */
public interface Augmentation {
    /**
     * Writes one augmented, normalised image of the set's shape.
     *
     * @param set the stored images (bytes)
     * @param index the image
     * @param tables per-channel lookup tables from byte value to normalised value
     * @param out batch values
     * @param offset where the image starts in {@code out}
     * @param random this batch's generator, drawn from in image order
     */
    void apply(
            ImageSet set,
            int index,
            float[][] tables,
            float[] out,
            int offset,
            SplittableRandom random);

    /**
     * Returns the recipe as recorded in a run's description, e.g. {@code pad-crop-flip(4)}.
     *
     * @return a short description
     */
    String describe();
}
