package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
    @TempDir Path tmp;

    static void solid(Path file, int w, int h, int rgb) throws IOException {
        TestFiles.solidImage(file, w, h, rgb);
    }

    /** A grey image (one component) of one level. */
    static void grey(Path file, int w, int h, int level) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, level);
            }
        }
        assertThat(ImageIO.write(img, "png", file.toFile())).isTrue();
    }

    private static DataRequest request(Path dir, int size, boolean skip, boolean cache) {
        return new DataRequest(
                "folder:" + dir, Path.of("."), 0, 0, size, skip, null, 2, cache, null);
    }

    /** Ten red "cat" PNGs and ten blue "dog" PNGs (one of them a JPEG), 20 x 12 pixels. */
    private Path catsAndDogs() throws IOException {
        Path root = tmp.resolve("pets");
        for (int i = 0; i < 10; i++) {
            solid(root.resolve("cat/c" + i + ".png"), 20, 12, 0xff0000);
            solid(root.resolve("dog/d" + i + (i == 3 ? ".jpg" : ".png")), 20, 12, 0x0000ff);
        }
        Files.writeString(root.resolve("cat/notes.txt"), "not an image");
        return root;
    }

    @Test
    void readsOneFolderPerClassWithAFixedFifthHeldOutAndChannelStatistics() throws Exception {
        DataSplits d = DataSplits.load(request(catsAndDogs(), 16, false, false));
        assertThat(d.classNames()).containsExactly("cat", "dog");
        assertThat(d.train().size()).isEqualTo(16);
        assertThat(d.test().size()).isEqualTo(4);
        assertThat(d.test().classCounts()).containsExactly(2, 2);
        assertThat(d.train().channels()).isEqualTo(3);
        assertThat(d.train().height()).isEqualTo(16);
        // Half the training images are pure red, half pure blue (the JPEG's colours may move by a
        // few levels): red mean 1/2 with deviation 1/2, green 0 (constant: deviation 1).
        assertThat(d.normalization().mean()[0])
                .isCloseTo(0.5f, org.assertj.core.data.Offset.offset(0.02f));
        assertThat(d.normalization().std()[0])
                .isCloseTo(0.5f, org.assertj.core.data.Offset.offset(0.02f));
        assertThat(d.normalization().mean()[1])
                .isCloseTo(0f, org.assertj.core.data.Offset.offset(0.02f));
        assertThat(d.description())
                .containsEntry("ignored_files", 1)
                .containsEntry("skipped_images", 0);
        assertThat(d.augmentation()).isEqualTo(PadCropFlip.forSize(16));
        // The hold-out does not depend on the run's seed: every seed tests on the same images.
        DataRequest other =
                new DataRequest(
                        "folder:" + tmp.resolve("pets"),
                        Path.of("."),
                        0,
                        99,
                        16,
                        false,
                        null,
                        1,
                        false,
                        null);
        assertThat(DataSplits.load(other).test()).isEqualTo(d.test());
        // A red pixel normalises to (1 - 0.5) / 0.5 = 1 in the red plane.
        int cat = 0;
        while (d.train().labels()[cat] != 0) {
            cat++;
        }
        assertThat(d.train().pixels()[cat * 3 * 256] & 0xff).isEqualTo(255);
    }

    @Test
    void usesTrainAndValFoldersAndKeepsOneChannelForGreyImages() throws Exception {
        Path root = tmp.resolve("digits");
        for (int i = 0; i < 3; i++) {
            grey(root.resolve("train/0/a" + i + ".png"), 10, 10, 40);
            grey(root.resolve("train/1/b" + i + ".png"), 10, 10, 200);
        }
        grey(root.resolve("val/1/v.png"), 10, 10, 200);
        DataSplits d = DataSplits.load(request(root, 8, false, false));
        assertThat(d.train().channels()).isEqualTo(1);
        assertThat(d.train().size()).isEqualTo(6);
        assertThat(d.test().size()).isEqualTo(1);
        assertThat(d.test().labels()).containsExactly(1);
        assertThat(d.test().pixels()).containsOnly((byte) 200);
        assertThat(d.normalization().mean()[0])
                .isCloseTo((40 + 200) / 2f / 255, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(d.normalization().std()[0])
                .isCloseTo(80f / 255, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void largeImagesGetResizedCropsForTrainingAndAResizeThenCentreCropForTesting()
            throws Exception {
        Path root = tmp.resolve("big");
        for (int i = 0; i < 2; i++) {
            // Left half black, right half white, 300 x 200: the test transform scales the shorter
            // side to 80 / 0.875 = 91 and keeps the centre 80 x 80.
            for (String cls : List.of("a", "b")) {
                Path f = root.resolve("train/" + cls + "/" + i + ".png");
                Files.createDirectories(f.getParent());
                BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 200; y++) {
                    for (int x = 150; x < 300; x++) {
                        img.setRGB(x, y, 0xffffff);
                    }
                }
                ImageIO.write(img, "png", f.toFile());
                Files.createDirectories(root.resolve("val/" + cls));
                Files.copy(f, root.resolve("val/" + cls + "/" + i + ".png"));
            }
        }
        DataSplits d = DataSplits.load(request(root, 80, false, false));
        assertThat(d.augmentation()).isInstanceOf(ResizedCropFlip.class);
        assertThat(ImageFolderReader.evaluationResize(80)).isEqualTo(91);
        assertThat(ImageFolderReader.evaluationResize(224)).isEqualTo(256);
        byte[] px = d.test().pixels();
        // Row 40 of the red plane: black on the left of the centre, white on the right.
        assertThat(px[40 * 80 + 5] & 0xff).isLessThan(10);
        assertThat(px[40 * 80 + 74] & 0xff).isGreaterThan(245);
        assertThat(d.description()).containsEntry("test_transform", "resize 91, centre crop 80");
    }

    @Test
    void aCorruptImageIsNamedOrSkippedAndCounted() throws Exception {
        Path root = catsAndDogs();
        Path bad = root.resolve("dog/broken.png");
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        assertThatThrownBy(() -> DataSplits.load(request(root, 16, false, false)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("broken.png")
                .hasMessageContaining("--skip-bad-images");
        DataSplits d = DataSplits.load(request(root, 16, true, false));
        assertThat(d.description()).containsEntry("skipped_images", 1);
        assertThat(d.train().size() + d.test().size()).isEqualTo(20);
    }

    @Test
    void refusesFoldersThatAreNotClassFolders() throws Exception {
        assertThatThrownBy(() -> DataSplits.load(request(tmp.resolve("nothing"), 16, false, false)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("no image folder at");
        solid(tmp.resolve("flat/only/x.png"), 4, 4, 0);
        assertThatThrownBy(() -> DataSplits.load(request(tmp.resolve("flat"), 16, false, false)))
                .hasMessageContaining("class folder");
        Path split = tmp.resolve("split");
        solid(split.resolve("train/a/1.png"), 4, 4, 0);
        solid(split.resolve("train/b/1.png"), 4, 4, 0);
        solid(split.resolve("val/c/1.png"), 4, 4, 0);
        assertThatThrownBy(() -> DataSplits.load(request(split, 16, false, false)))
                .hasMessageContaining("is a class the training folder lacks");
    }

    @Test
    void theDecodedCacheIsReusedAndRebuiltWhenTheFolderChanges() throws Exception {
        Path root = catsAndDogs();
        DataSplits first = DataSplits.load(request(root, 16, false, true));
        Path cache = root.resolve(".sprig-cache/train-16-16.u8");
        assertThat(cache).exists();
        // A cache that matches is read instead of the images: its bytes are what a run sees.
        byte[] raw = Files.readAllBytes(cache);
        raw[raw.length - 1] = (byte) 7;
        Files.write(cache, raw);
        DataSplits cached = DataSplits.load(request(root, 16, false, true));
        assertThat(cached.test()).isEqualTo(first.test());
        assertThat(cached.train().pixels()[cached.train().pixels().length - 1]).isEqualTo((byte) 7);
        // A new image changes the listing: the cache is rebuilt from the files.
        solid(root.resolve("cat/c99.png"), 20, 12, 0xff0000);
        DataSplits rebuilt = DataSplits.load(request(root, 16, false, true));
        assertThat(rebuilt.train().size() + rebuilt.test().size()).isEqualTo(21);
        assertThat(rebuilt.train().pixels()[rebuilt.train().pixels().length - 1])
                .isNotEqualTo((byte) 7);
        assertThat(Map.copyOf(rebuilt.description())).containsKey("source");
    }
}
