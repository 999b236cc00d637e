package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarFormatTest {
    @TempDir Path tmp;

    @Test
    void readsCifar10BatchesInOrder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cifar-10/cifar-10-batches-bin"));
        for (int i = 1; i <= 5; i++) {
            Files.write(dir.resolve("data_batch_" + i + ".bin"), TestFiles.cifarRecords(4, 1, 10));
        }
        Files.write(dir.resolve("test_batch.bin"), TestFiles.cifarRecords(3, 1, 10));
        ImageSet train = KnownDataset.CIFAR10.load(tmp.resolve("cifar-10"), true);
        ImageSet test = KnownDataset.CIFAR10.load(tmp.resolve("cifar-10"), false);
        assertThat(train.size()).isEqualTo(20);
        assertThat(train.channels()).isEqualTo(3);
        assertThat(test.labels()).containsExactly(0, 1, 2);
        byte[] rec = TestFiles.cifarRecords(3, 1, 10);
        // Second image's pixels follow its label byte.
        assertThat(Arrays.copyOfRange(test.pixels(), 3072, 6144))
                .isEqualTo(Arrays.copyOfRange(rec, 3073 + 1, 2 * 3073));
        assertThat(DataSplits.load("cifar-10", tmp, 0, 1).augment()).isTrue();
    }

    @Test
    void readsCifar100FineLabels() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cifar-100"));
        Files.write(dir.resolve("train.bin"), TestFiles.cifarRecords(150, 2, 100));
        Files.write(dir.resolve("test.bin"), TestFiles.cifarRecords(2, 2, 100));
        ImageSet train = KnownDataset.CIFAR100.load(dir, true);
        assertThat(train.classes()).isEqualTo(100);
        assertThat(train.labels()[120]).isEqualTo(20);
    }

    @Test
    void rejectsTruncatedFileNamingIt() throws Exception {
        Path f =
                Files.write(
                        tmp.resolve("test_batch.bin"),
                        Arrays.copyOf(TestFiles.cifarRecords(2, 1, 10), 3073 + 100));
        assertThatThrownBy(() -> CifarFormat.read("c", List.of(f), 1, 10))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("truncated or corrupt CIFAR file")
                .hasMessageContaining(f.toString());
    }

    @Test
    void rejectsLabelOutOfRange() throws Exception {
        byte[] d = TestFiles.cifarRecords(2, 1, 10);
        d[0] = (byte) 200;
        Path f = Files.write(tmp.resolve("b.bin"), d);
        assertThatThrownBy(() -> CifarFormat.read("c", List.of(f), 1, 10))
                .hasMessageContaining("label 200");
    }
}
