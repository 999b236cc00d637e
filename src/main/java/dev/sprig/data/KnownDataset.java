package dev.sprig.data;

import dev.sprig.SprigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The data sets Sprig knows by name: where their files live under a data root, how to read them,
 * their normalisation statistics, and where the canonical copies can be downloaded.
 *
 * <p>Normalisation statistics are the per-channel mean and standard deviation of the training
 * pixels scaled to [0, 1], as used by the authors' training scripts (torchvision conventions).
 */
public enum KnownDataset {
    /** MNIST handwritten digits, 60k/10k, 1×28×28. */
    MNIST(
            "mnist",
            10,
            1,
            28,
            new float[] {0.1307f},
            new float[] {0.3081f},
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            new String[][] {
                {"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
                {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
                {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
                {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"}
            }),
    /** Fashion-MNIST (Zalando), 60k/10k, 1×28×28. */
    FASHION_MNIST(
            "fashion-mnist",
            10,
            1,
            28,
            new float[] {0.2860f},
            new float[] {0.3530f},
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            new String[][] {
                {"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
                {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"},
                {"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"},
                {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"}
            }),
    /** CIFAR-10, 50k/10k, 3×32×32, binary version. */
    CIFAR10(
            "cifar-10",
            10,
            3,
            32,
            new float[] {0.4914f, 0.4822f, 0.4465f},
            new float[] {0.2470f, 0.2435f, 0.2616f},
            "https://www.cs.toronto.edu/~kriz/",
            new String[][] {{"cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"}}),
    /** CIFAR-100 (fine labels), 50k/10k, 3×32×32, binary version. */
    CIFAR100(
            "cifar-100",
            100,
            3,
            32,
            new float[] {0.5071f, 0.4865f, 0.4409f},
            new float[] {0.2673f, 0.2564f, 0.2762f},
            "https://www.cs.toronto.edu/~kriz/",
            new String[][] {{"cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8"}});

    private final String key;
    private final int classes;
    private final int channels;
    private final int size;
    private final float[] mean;
    private final float[] std;
    private final String baseUrl;
    private final String[][] downloads;

    KnownDataset(
            String key,
            int classes,
            int channels,
            int size,
            float[] mean,
            float[] std,
            String baseUrl,
            String[][] downloads) {
        this.key = key;
        this.classes = classes;
        this.channels = channels;
        this.size = size;
        this.mean = mean;
        this.std = std;
        this.baseUrl = baseUrl;
        this.downloads = downloads;
    }

    /**
     * Finds a data set by its key.
     *
     * @param key e.g. {@code mnist}, {@code fashion-mnist}, {@code cifar-10}
     * @return the data set
     * @throws SprigException naming the known keys when the key is unknown
     */
    public static KnownDataset of(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (KnownDataset d : values()) {
            if (d.key.equals(k) || d.key.replace("-", "").equals(k.replace("-", ""))) {
                return d;
            }
        }
        throw new SprigException("unknown dataset '" + key + "'; known: " + keys() + ", synthetic");
    }

    /**
     * Lists the known keys.
     *
     * @return comma-separated keys
     */
    public static String keys() {
        return Arrays.stream(values()).map(KnownDataset::key).collect(Collectors.joining(", "));
    }

    /**
     * Returns the registry key, also the sub-folder name under the data root.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * Returns the number of classes.
     *
     * @return classes
     */
    public int classes() {
        return classes;
    }

    /**
     * Returns the number of image channels.
     *
     * @return 1 or 3
     */
    public int channels() {
        return channels;
    }

    /**
     * Returns the image side length.
     *
     * @return 28 or 32
     */
    public int imageSize() {
        return size;
    }

    /**
     * Returns the normalisation for this data set.
     *
     * @return per-channel mean and standard deviation
     */
    public Normalization normalization() {
        return new Normalization(mean.clone(), std.clone());
    }

    /**
     * Whether training uses the CIFAR augmentation (pad 4, random crop, horizontal flip).
     *
     * @return true for CIFAR
     */
    public boolean augmentsByDefault() {
        return channels == 3;
    }

    /**
     * Returns the canonical download files and their MD5 checksums.
     *
     * @return pairs (file name, md5)
     */
    public List<String[]> downloads() {
        List<String[]> list = new ArrayList<>();
        for (String[] d : downloads) {
            list.add(d.clone());
        }
        return list;
    }

    /**
     * Returns the URL a download file is fetched from.
     *
     * @param file a file name from {@link #downloads()}
     * @return the URL
     */
    public String url(String file) {
        return baseUrl + file;
    }

    /**
     * Reads the training or test split from a data folder.
     *
     * @param dir the data set's folder, e.g. {@code $SPRIG_DATA/mnist}
     * @param train true for the training split
     * @return the images
     * @throws SprigException when files are missing or corrupt
     */
    public ImageSet load(Path dir, boolean train) {
        if (!Files.isDirectory(dir)) {
            throw new SprigException(
                    "no "
                            + key
                            + " data at "
                            + dir
                            + "; put the files there (see `sprig datasets`), set SPRIG_DATA, or run"
                            + " `sprig download "
                            + key
                            + "` on a machine with internet");
        }
        String name = key + (train ? "/train" : "/test");
        switch (this) {
            case MNIST:
            case FASHION_MNIST:
                String prefix = train ? "train" : "t10k";
                return IdxFormat.read(
                        name,
                        findIdx(dir, prefix + "-images-idx3-ubyte"),
                        findIdx(dir, prefix + "-labels-idx1-ubyte"),
                        classes);
            case CIFAR10:
                Path c10 = firstDir(dir, "cifar-10-batches-bin");
                List<Path> files = new ArrayList<>();
                if (train) {
                    for (int i = 1; i <= 5; i++) {
                        files.add(require(c10.resolve("data_batch_" + i + ".bin")));
                    }
                } else {
                    files.add(require(c10.resolve("test_batch.bin")));
                }
                return CifarFormat.read(name, files, 1, classes);
            case CIFAR100:
                Path c100 = firstDir(dir, "cifar-100-binary");
                return CifarFormat.read(
                        name,
                        List.of(require(c100.resolve(train ? "train.bin" : "test.bin"))),
                        2,
                        classes);
            default:
                throw new IllegalStateException(key);
        }
    }

    private static Path firstDir(Path dir, String sub) {
        Path nested = dir.resolve(sub);
        return Files.isDirectory(nested) ? nested : dir;
    }

    private Path require(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new SprigException(
                    "missing "
                            + key
                            + " file "
                            + p
                            + "; run `sprig download "
                            + key
                            + "` or copy the binary version there");
        }
        return p;
    }

    private Path findIdx(Path dir, String stem) {
        for (String candidate : new String[] {stem + ".gz", stem, stem.replace("-idx", ".idx")}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return require(dir.resolve(stem + ".gz"));
    }
}
