package dev.sprig.data;

import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code text:FILE} (UTF-8, one token per character) and {@code bytes:FILE} (one token per
 * byte) for character-level language models: a {@link TextCorpus} laid out by the run's {@link
 * TextLayout}. Each split is a table of windows of {@code seq_len + 1} token indices (inputs and
 * targets), stream-interleaved so that batches read the streams in order and a model can carry its
 * hidden state across batches; training batches are never shuffled. Every window's label is its
 * last target, so the set's classes are the vocabulary.
 */
final class TextReader implements DatasetReader {
    static final String CHARS = "text:";
    static final String BYTES = "bytes:";

    /** Description key holding the window length, which marks a text set. */
    static final String STEPS_KEY = "sequence_length";

    @Override
    public boolean reads(String dataset) {
        return dataset.regionMatches(true, 0, CHARS, 0, CHARS.length())
                || dataset.regionMatches(true, 0, BYTES, 0, BYTES.length());
    }

    @Override
    public String usage() {
        return "text:FILE (UTF-8 characters) or bytes:FILE";
    }

    @Override
    public DataSplits read(DataRequest request) {
        boolean bytes = request.dataset().regionMatches(true, 0, BYTES, 0, BYTES.length());
        Path file = Path.of(request.after(bytes ? BYTES : CHARS));
        if (!Files.isRegularFile(file)) {
            throw new SprigException("text file " + file + " does not exist");
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            throw new SprigException("cannot read " + file + ": " + e.getMessage());
        }
        boolean validation = request.validationFraction() > 0;
        TextCorpus corpus;
        if (bytes) {
            corpus = TextCorpus.bytes(raw, validation);
        } else {
            String text;
            try {
                text =
                        StandardCharsets.UTF_8
                                .newDecoder()
                                .onMalformedInput(CodingErrorAction.REPORT)
                                .onUnmappableCharacter(CodingErrorAction.REPORT)
                                .decode(ByteBuffer.wrap(raw))
                                .toString();
            } catch (CharacterCodingException e) {
                throw new SprigException(
                        file
                                + " is not UTF-8 text; read it byte by byte with --dataset bytes:"
                                + file);
            }
            corpus = TextCorpus.characters(text, validation);
        }
        TextLayout layout = request.text();
        String name = file.getFileName().toString();
        ImageSet train = windows(name + " train", corpus.train(), corpus, layout, "training");
        ImageSet val =
                validation
                        ? windows(
                                name + " validation",
                                corpus.validation(),
                                corpus,
                                layout,
                                "validation")
                        : null;
        ImageSet test = windows(name + " test", corpus.test(), corpus, layout, "test");
        float[] zero = new float[layout.steps() + 1];
        float[] one = new float[zero.length];
        java.util.Arrays.fill(one, 1f);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("source", file.toString());
        info.put("unit", bytes ? "byte" : "character");
        info.put(STEPS_KEY, layout.steps());
        info.put("streams", layout.streams());
        info.put("vocabulary", corpus.vocabulary());
        info.put("train_tokens", corpus.train().length);
        info.put("validation_tokens", corpus.validation().length);
        info.put("test_tokens", corpus.test().length);
        info.put("unknown_validation_tokens", corpus.unknownValidation());
        info.put("unknown_test_tokens", corpus.unknownTest());
        return new DataSplits(
                request.dataset(),
                train,
                val,
                test,
                new Normalization(zero, one),
                false,
                null,
                info);
    }

    private static ImageSet windows(
            String name, int[] tokens, TextCorpus corpus, TextLayout layout, String part) {
        float[] w = layout.windows(tokens);
        int stride = layout.steps() + 1;
        int n = w.length / stride;
        if (n == 0) {
            throw new SprigException(
                    "the "
                            + part
                            + " part ("
                            + tokens.length
                            + " tokens) is too short for one window of seq_len "
                            + layout.steps()
                            + " per stream of batch_size "
                            + layout.streams()
                            + ": lower them or use a longer text");
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (int) w[i * stride + stride - 1];
        }
        return ImageSet.table(name, w, labels, stride, corpus.symbols());
    }
}
