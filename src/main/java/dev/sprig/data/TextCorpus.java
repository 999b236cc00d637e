package dev.sprig.data;

import dev.sprig.SprigException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * A text cut into contiguous training, validation and test parts and encoded with a vocabulary
 * built from the training part only, so that nothing about the held-out text leaks into the model.
 *
 * <p>Characters: index 0 is {@link #UNKNOWN}, for characters of the held-out parts that the
 * training part never shows (counted, so a run can say how many); the training part's distinct
 * characters follow in code-point order. Bytes: the 256 byte values are the vocabulary and nothing
 * is unknown.
 *
 * <p>Parts: the test part is the last {@value #HELD_OUT_PERCENT}% of the text, the validation part
 * the {@value #HELD_OUT_PERCENT}% before it (when a validation set is asked for), the training part
 * the rest: the usual contiguous split of language-model corpora, which keeps every part a readable
 * stretch of text.
 *
 * @param train training tokens
 * @param validation validation tokens (empty when none is asked for)
 * @param test test tokens
 * @param symbols the vocabulary: each index's symbol
 * @param unknownValidation validation tokens outside the vocabulary
 * @param unknownTest test tokens outside the vocabulary
 */
public record TextCorpus(
        int[] train,
        int[] validation,
        int[] test,
        List<String> symbols,
        int unknownValidation,
        int unknownTest) {

    /** The symbol of characters outside the training part's vocabulary. */
    public static final String UNKNOWN = "<unk>";

    /** Percentage of the text in each held-out part. */
    public static final int HELD_OUT_PERCENT = 5;

    /**
     * Splits and encodes a text of characters.
     *
     * @param text the text
     * @param validation whether to hold out a validation part
     * @return the corpus
     */
    public static TextCorpus characters(String text, boolean validation) {
        int[] cps = text.codePoints().toArray();
        int[][] parts = split(cps.length, validation);
        TreeSet<Integer> seen = new TreeSet<>();
        for (int i = parts[0][0]; i < parts[0][1]; i++) {
            seen.add(cps[i]);
        }
        List<String> symbols = new ArrayList<>();
        symbols.add(UNKNOWN);
        int[] codes = new int[seen.size()];
        int k = 0;
        for (int cp : seen) {
            codes[k++] = cp;
            symbols.add(new String(Character.toChars(cp)));
        }
        int[] unknown = new int[3];
        int[][] encoded = new int[3][];
        for (int p = 0; p < 3; p++) {
            int[] out = new int[parts[p][1] - parts[p][0]];
            for (int i = 0; i < out.length; i++) {
                int at = Arrays.binarySearch(codes, cps[parts[p][0] + i]);
                if (at < 0) {
                    unknown[p]++;
                    out[i] = 0;
                } else {
                    out[i] = at + 1;
                }
            }
            encoded[p] = out;
        }
        return new TextCorpus(encoded[0], encoded[1], encoded[2], symbols, unknown[1], unknown[2]);
    }

    /**
     * Splits a text of bytes; each byte value is its own token.
     *
     * @param bytes the text
     * @param validation whether to hold out a validation part
     * @return the corpus
     */
    public static TextCorpus bytes(byte[] bytes, boolean validation) {
        int[][] parts = split(bytes.length, validation);
        int[][] encoded = new int[3][];
        for (int p = 0; p < 3; p++) {
            int[] out = new int[parts[p][1] - parts[p][0]];
            for (int i = 0; i < out.length; i++) {
                out[i] = bytes[parts[p][0] + i] & 0xff;
            }
            encoded[p] = out;
        }
        List<String> symbols = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            symbols.add(String.format(java.util.Locale.ROOT, "0x%02x", b));
        }
        return new TextCorpus(encoded[0], encoded[1], encoded[2], symbols, 0, 0);
    }

    /** [from, to) of the training, validation and test parts. */
    private static int[][] split(int n, boolean validation) {
        int held = (int) ((long) n * HELD_OUT_PERCENT / 100);
        if (held < 2) {
            throw new SprigException(
                    "a text of "
                            + n
                            + " tokens is too short to hold out "
                            + HELD_OUT_PERCENT
                            + "% for testing");
        }
        int testFrom = n - held;
        int valFrom = validation ? testFrom - held : testFrom;
        return new int[][] {{0, valFrom}, {valFrom, testFrom}, {testFrom, n}};
    }

    /**
     * @return the vocabulary size (the model's classes)
     */
    public int vocabulary() {
        return symbols.size();
    }
}
