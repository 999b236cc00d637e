package dev.sprig;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Randomness derived from (seed, purpose, indices) instead of from a mutable generator.
 *
 * <p>Every random draw in Sprig (data order, augmentation, initial weights, masks, regrowth) comes
 * from {@code derive(purpose, i, j)}, which hashes the run seed with the purpose and the indices
 * (epoch, step, layer) into a fresh {@link SplittableRandom}. A resumed run therefore draws exactly
 * the numbers an uninterrupted run draws, with no generator state to save (jaxpruner folds the step
 * into the key the same way).
 *
 * @param seed the run seed
 */
public record SeedStream(long seed) {

    /**
     * Returns a generator for one purpose and position.
     *
     * @param purpose a short constant such as {@code "shuffle"} or {@code "init"}
     * @param indices positions, e.g. epoch and batch
     * @return a generator that depends only on the arguments and the seed
     */
    public SplittableRandom derive(String purpose, long... indices) {
        return new SplittableRandom(mixKey(purpose, indices));
    }

    /**
     * Returns the 64-bit key behind {@link #derive}.
     *
     * @param purpose purpose string
     * @param indices positions
     * @return well-mixed key
     */
    public long mixKey(String purpose, long... indices) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ b);
        }
        for (long i : indices) {
            h = mix(h ^ mix(i + 0x632BE59BD9B4E019L));
        }
        return h;
    }

    /** SplitMix64's finaliser: a bijective avalanche of 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
