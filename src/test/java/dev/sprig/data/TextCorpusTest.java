package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {
    @TempDir Path tmp;

    @Test
    void vocabularyComesFromTheTrainingPartAndUnknownsAreCounted() {
        // 100 characters: "ab" x 45 for training, then validation and test of 5 each, the test
        // part holding two characters the training part never shows.
        String text = "ab".repeat(45) + "aabba" + "abzza";
        TextCorpus c = TextCorpus.characters(text, true);
        assertThat(c.symbols()).containsExactly("<unk>", "a", "b");
        assertThat(c.train()).hasSize(90);
        assertThat(c.validation()).containsExactly(1, 1, 2, 2, 1);
        assertThat(c.test()).containsExactly(1, 2, 0, 0, 1);
        assertThat(c.unknownTest()).isEqualTo(2);
        assertThat(c.unknownValidation()).isZero();
        // Without a validation part the training part takes its text.
        assertThat(TextCorpus.characters(text, false).train()).hasSize(95);
        // Characters outside the basic plane are one token each.
        TextCorpus emoji = TextCorpus.characters("x\uD83D\uDE00".repeat(50), false);
        assertThat(emoji.symbols()).containsExactly("<unk>", "x", "\uD83D\uDE00");
    }

    @Test
    void bytesAreTheirOwnVocabulary() {
        byte[] b = new byte[200];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7);
        }
        TextCorpus c = TextCorpus.bytes(b, false);
        assertThat(c.vocabulary()).isEqualTo(256);
        assertThat(c.train()[1]).isEqualTo(7);
        assertThat(c.test()[0]).isEqualTo((190 * 7) & 0xff);
    }

    @Test
    void streamsContinueFromOneBatchToTheNext() {
        // 2 streams of windows of 3 tokens over tokens 0..20: 20 tokens after the first / 6 = 3
        // windows per stream; stream 0 covers 0..9, stream 1 covers 9..18.
        TextLayout layout = new TextLayout(3, 2);
        int[] tokens = new int[21];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i;
        }
        assertThat(layout.perStream(tokens.length)).isEqualTo(3);
        float[] w = layout.windows(tokens);
        assertThat(w).hasSize(3 * 2 * 4);
        // Batch 0: stream 0 then stream 1; batch 1 continues each where it stopped.
        assertThat(w).startsWith(0, 1, 2, 3, 9, 10, 11, 12, 3, 4, 5, 6, 12, 13, 14, 15);
        assertThat(w[w.length - 1]).isEqualTo(18);
    }

    @Test
    void theReaderLaysOutWindowsAndRefusesWhatItCannotRead() throws Exception {
        Path file = tmp.resolve("t.txt");
        Files.writeString(file, "hello world, ".repeat(400));
        DataRequest request =
                new DataRequest(
                        "text:" + file,
                        tmp,
                        0.1,
                        0,
                        64,
                        false,
                        null,
                        1,
                        false,
                        null,
                        new TextLayout(10, 4));
        DataSplits s = DataSplits.load(request);
        assertThat(s.sequenceLength()).isEqualTo(10);
        assertThat(s.train().channels()).isEqualTo(11);
        assertThat(s.train().size() % 4).isZero();
        assertThat(s.train().classes()).isEqualTo(s.train().classNames().size());
        assertThat(s.train().classNames()).startsWith("<unk>", " ", ",");
        assertThat(s.validation()).isNotNull();
        assertThat(s.description()).containsEntry("unknown_test_tokens", 0);
        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, "caf\u00e9 ".repeat(300).getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> DataSplits.load(withFile(request, "text:" + latin1)))
                .hasMessageContaining("is not UTF-8")
                .hasMessageContaining("bytes:");
        assertThat(DataSplits.load(withFile(request, "bytes:" + latin1)).train().classes())
                .isEqualTo(256);
        Path tiny = tmp.resolve("tiny.txt");
        Files.writeString(tiny, "abc".repeat(40));
        assertThatThrownBy(() -> DataSplits.load(withFile(request, "text:" + tiny)))
                .hasMessageContaining("too short for one window");
        assertThatThrownBy(() -> DataSplits.load(withFile(request, "text:" + tmp.resolve("none"))))
                .hasMessageContaining("does not exist");
        assertThat(List.of(new TextReader().usage())).allMatch(u -> u.contains("text:FILE"));
    }

    private static DataRequest withFile(DataRequest r, String dataset) {
        return new DataRequest(
                dataset,
                r.root(),
                r.validationFraction(),
                r.seed(),
                r.imageSize(),
                r.skipBadImages(),
                r.labelColumn(),
                r.workers(),
                r.cacheDecoded(),
                r.normalization(),
                r.text());
    }
}
