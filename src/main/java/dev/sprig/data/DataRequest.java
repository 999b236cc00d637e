package dev.sprig.data;

import dev.sprig.SprigException;
import java.nio.file.Path;

/**
 * What a run asks of its data: which set, where the built-in ones live, the split, and the options
 * of the readers of users' own data. Checked once here, so every reader can trust it.
 *
 * @param dataset the data set: a built-in key, {@code synthetic}, {@code folder:PATH} or {@code
 *     csv:FILE}
 * @param root data root of the built-in sets ({@link DataRoot#resolve})
 * @param validationFraction fraction of training examples held out for validation, in [0, 1)
 * @param seed run seed; the validation split depends only on it
 * @param imageSize side of the square images a folder is decoded to
 * @param skipBadImages whether unreadable images are skipped (and counted) instead of refused
 * @param labelColumn the label column of a CSV file
 * @param workers threads that decode images (results do not depend on it)
 * @param cacheDecoded whether decoded folder images are kept in a cache file beside the folder,
 *     built once per folder and size and checked against the folder's listing
 * @param normalization the normalisation of a folder or table, or null to compute it from the
 *     training examples (the built-in sets have their published values)
 * @param text how text is cut into windows (ignored by other readers)
 */
public record DataRequest(
        String dataset,
        Path root,
        double validationFraction,
        long seed,
        int imageSize,
        boolean skipBadImages,
        String labelColumn,
        int workers,
        boolean cacheDecoded,
        Normalization normalization,
        TextLayout text) {

    /** The image side when none is asked for: cheap on a CPU, large enough for the zoo's CNNs. */
    public static final int DEFAULT_IMAGE_SIZE = 64;

    /** Checks the values. */
    public DataRequest {
        if (dataset == null || dataset.isBlank()) {
            throw new SprigException("dataset is empty");
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new SprigException(
                    "validation fraction must be in [0, 1), got " + validationFraction);
        }
        if (imageSize < 8 || imageSize > 1024) {
            throw new SprigException("image size must be in [8, 1024] pixels, got " + imageSize);
        }
        if (workers < 1) {
            throw new SprigException("data workers must be >= 1, got " + workers);
        }
        if (text == null) {
            text = TextLayout.DEFAULT;
        }
    }

    /**
     * A request with the default text layout.
     *
     * @param dataset data set
     * @param root data root
     * @param validationFraction validation fraction
     * @param seed seed
     * @param imageSize folder image side
     * @param skipBadImages whether unreadable images are skipped
     * @param labelColumn CSV label column
     * @param workers decoding threads
     * @param cacheDecoded whether decoded folders are cached
     * @param normalization normalisation or null
     */
    public DataRequest(
            String dataset,
            Path root,
            double validationFraction,
            long seed,
            int imageSize,
            boolean skipBadImages,
            String labelColumn,
            int workers,
            boolean cacheDecoded,
            Normalization normalization) {
        this(
                dataset,
                root,
                validationFraction,
                seed,
                imageSize,
                skipBadImages,
                labelColumn,
                workers,
                cacheDecoded,
                normalization,
                TextLayout.DEFAULT);
    }

    /**
     * A request with the default reading options.
     *
     * @param dataset data set
     * @param root data root
     * @param validationFraction validation fraction
     * @param seed seed
     * @return the request
     */
    public static DataRequest of(String dataset, Path root, double validationFraction, long seed) {
        return new DataRequest(
                dataset,
                root,
                validationFraction,
                seed,
                DEFAULT_IMAGE_SIZE,
                false,
                null,
                defaultWorkers(),
                false,
                null);
    }

    /**
     * The decoding threads when none are asked for: the machine's cores.
     *
     * @return available processors
     */
    public static int defaultWorkers() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * The part of the data set name after its reader's prefix, e.g. the path of {@code
     * folder:PATH}.
     *
     * @param prefix the prefix with its colon
     * @return the rest
     */
    public String after(String prefix) {
        return dataset.substring(prefix.length());
    }
}
