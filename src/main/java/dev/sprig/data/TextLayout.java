package dev.sprig.data;

import dev.sprig.SprigException;

/**
 * How a text is cut for truncated backpropagation through time: into windows of {@code steps}
 * tokens, read by {@code streams} parallel streams. Each split is divided into {@code streams}
 * contiguous parts; batch b holds window b of every part, so row s of batch b continues row s of
 * batch b − 1 and a model can carry its hidden state from one batch to the next. Evaluation reads
 * the validation and test parts the same way.
 *
 * @param steps tokens per window (the sequence length)
 * @param streams windows per batch (the batch size)
 */
public record TextLayout(int steps, int streams) {
    /** 100 characters, 32 streams: the usual character-level settings. */
    public static final TextLayout DEFAULT = new TextLayout(100, 32);

    /** Checks the values. */
    public TextLayout {
        SprigException.require(steps >= 1, "seq_len must be at least 1, got " + steps);
        SprigException.require(streams >= 1, "batch_size must be at least 1, got " + streams);
    }

    /**
     * Lays out tokens as windows of {@code steps + 1} tokens (the inputs and, shifted by one, the
     * targets), stream-interleaved: window {@code b * streams + s} is window b of stream s. Tokens
     * beyond the last whole window of each stream are left out.
     *
     * @param tokens the split's token indices
     * @return windows × (steps + 1) token indices, or an empty array when the split is too short
     *     for one window per stream
     */
    public float[] windows(int[] tokens) {
        int perStream = perStream(tokens.length);
        float[] out = new float[perStream * streams * (steps + 1)];
        long streamLength = (long) perStream * steps;
        for (int b = 0; b < perStream; b++) {
            for (int s = 0; s < streams; s++) {
                int from = (int) (s * streamLength + (long) b * steps);
                int o = (b * streams + s) * (steps + 1);
                for (int t = 0; t <= steps; t++) {
                    out[o + t] = tokens[from + t];
                }
            }
        }
        return out;
    }

    /**
     * Windows each stream of a split holds.
     *
     * @param tokens tokens in the split
     * @return whole windows per stream (each needs one token past its end as the last target)
     */
    public int perStream(int tokens) {
        if (tokens < 1) {
            return 0;
        }
        // Stream s covers tokens [s·len, (s+1)·len] with len = perStream·steps; the last target of
        // the last stream is token streams·len, which must exist.
        return (int) ((tokens - 1L) / ((long) streams * steps));
    }
}
