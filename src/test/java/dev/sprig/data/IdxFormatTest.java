package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFormatTest {
    @TempDir Path tmp;

    private ImageSet read(byte[] images, byte[] labels) throws Exception {
        Path i = Files.write(tmp.resolve("img"), images);
        Path l = Files.write(tmp.resolve("lab"), labels);
        return IdxFormat.read("t", i, l, 10);
    }

    @Test
    void readsRawAndGzippedFilesIdentically() throws Exception {
        byte[] img = TestFiles.idxImages(2051, 3, 2, 2, 12);
        byte[] lab = TestFiles.idxLabels(2049, 3, 3);
        ImageSet raw = read(img, lab);
        ImageSet gz = read(TestFiles.gzip(img), TestFiles.gzip(lab));
        assertThat(raw.size()).isEqualTo(3);
        assertThat(raw.height()).isEqualTo(2);
        assertThat(raw.labels()).containsExactly(0, 1, 2);
        assertThat(raw.pixels()).isEqualTo(Arrays.copyOfRange(img, 16, 28));
        assertThat(gz).isEqualTo(raw);
    }

    @Test
    void rejectsWrongMagicNamingTheFile() {
        assertThatThrownBy(
                        () ->
                                read(
                                        TestFiles.idxImages(2049, 1, 2, 2, 4),
                                        TestFiles.idxLabels(2049, 1, 1)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("not an IDX image file")
                .hasMessageContaining(tmp.resolve("img").toString());
        assertThatThrownBy(
                        () ->
                                read(
                                        TestFiles.idxImages(2051, 1, 2, 2, 4),
                                        TestFiles.idxLabels(2051, 1, 1)))
                .hasMessageContaining("not an IDX label file");
    }

    @Test
    void rejectsTruncatedFiles() throws Exception {
        assertThatThrownBy(
                        () ->
                                read(
                                        TestFiles.idxImages(2051, 3, 2, 2, 11),
                                        TestFiles.idxLabels(2049, 3, 3)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("truncated IDX image file");
        assertThatThrownBy(
                        () ->
                                read(
                                        TestFiles.idxImages(2051, 3, 2, 2, 12),
                                        TestFiles.idxLabels(2049, 3, 2)))
                .hasMessageContaining("truncated IDX label file");
        byte[] gz = TestFiles.gzip(TestFiles.idxImages(2051, 3, 2, 2, 12));
        assertThatThrownBy(
                        () ->
                                read(
                                        Arrays.copyOf(gz, gz.length - 6),
                                        TestFiles.idxLabels(2049, 3, 3)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("img");
        assertThatThrownBy(() -> read(new byte[5], TestFiles.idxLabels(2049, 3, 3)))
                .hasMessageContaining("truncated IDX image file");
    }

    @Test
    void rejectsCountMismatchAndBadLabels() {
        assertThatThrownBy(
                        () ->
                                read(
                                        TestFiles.idxImages(2051, 3, 2, 2, 12),
                                        TestFiles.idxLabels(2049, 2, 2)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("count mismatch");
        byte[] lab = TestFiles.idxLabels(2049, 3, 3);
        lab[9] = 42;
        assertThatThrownBy(() -> read(TestFiles.idxImages(2051, 3, 2, 2, 12), lab))
                .hasMessageContaining("label 42");
    }

    @Test
    void missingFileIsOneClearMessage() {
        assertThatThrownBy(() -> IdxFormat.read("t", tmp.resolve("nope"), tmp.resolve("nope2"), 10))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("data file not found");
    }

    @Test
    void loadsKnownDatasetFolderWithMixedCompression() throws Exception {
        TestFiles.mnistFolder(tmp, "mnist", 20, 5);
        DataSplits s = DataSplits.load("mnist", tmp, 0.25, 3);
        assertThat(s.train().size()).isEqualTo(15);
        assertThat(s.validation().size()).isEqualTo(5);
        assertThat(s.test().size()).isEqualTo(5);
        assertThat(s.augment()).isFalse();
        assertThatThrownBy(() -> DataSplits.load("cifar-10", tmp, 0, 3))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("no cifar-10 data");
        assertThatThrownBy(() -> DataSplits.load("imagenet-21k", tmp, 0, 3))
                .hasMessageContaining("unknown dataset");
    }
}
