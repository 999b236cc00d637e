package dev.sprig.sparse;

import java.util.Arrays;

/**
 * Keeps the {@code k} smallest of a stream of distinct {@code long} keys in O(k) memory: the
 * selection RigL's growth needs over a layer whose dense score matrix is never held whole. Keys
 * come from {@code TopK.key}, so the result is exactly the in-memory selection's.
 */
public final class StreamingTopK {
    private final int k;
    private long[] buffer;
    private int size;
    private long threshold = Long.MAX_VALUE;

    /**
     * Creates an empty selection.
     *
     * @param k how many keys to keep
     */
    public StreamingTopK(int k) {
        this.k = k;
        this.buffer = new long[Math.max(2 * k, 1024)];
    }

    /**
     * Offers one key; keys at or above the current k-th smallest are ignored at once.
     *
     * @param key the key
     */
    public void offer(long key) {
        if (key >= threshold) {
            return;
        }
        buffer[size++] = key;
        if (size == buffer.length) {
            compact();
        }
    }

    private void compact() {
        Arrays.sort(buffer, 0, size);
        size = Math.min(size, k);
        if (size == k && k > 0) {
            threshold = buffer[k - 1];
        }
    }

    /**
     * Returns the kept keys, ascending (best first).
     *
     * @return the k smallest keys
     * @throws IllegalStateException when fewer than k keys were offered
     */
    public long[] result() {
        compact();
        if (size < k) {
            throw new IllegalStateException("asked for " + k + " keys, only " + size + " offered");
        }
        return Arrays.copyOf(buffer, k);
    }
}
