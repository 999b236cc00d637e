package dev.sprig.data;

import dev.sprig.SprigException;
import java.util.List;
import java.util.stream.Collectors;

/** The registry of data set readers: the one place a new kind of data is registered. */
public final class DatasetReaders {
    private static final List<DatasetReader> READERS =
            List.of(
                    new SyntheticReader(),
                    new ImageFolderReader(),
                    new CsvTableReader(),
                    new TextReader(),
                    new KnownDatasetReader());

    private DatasetReaders() {}

    /**
     * Returns every registered reader.
     *
     * @return readers, in lookup order
     */
    public static List<DatasetReader> all() {
        return READERS;
    }

    /**
     * Finds the reader of a data set name.
     *
     * @param dataset the name
     * @return its reader
     * @throws SprigException listing what names are understood when none reads it
     */
    public static DatasetReader forName(String dataset) {
        for (DatasetReader r : READERS) {
            if (r.reads(dataset)) {
                return r;
            }
        }
        throw new SprigException("unknown dataset '" + dataset + "'; known: " + usages());
    }

    /**
     * Whether a data set name is read as a table of features (1×1 images of F channels).
     *
     * @param dataset the name
     * @return true for {@code csv:} tables
     */
    public static boolean readsTable(String dataset) {
        return new CsvTableReader().reads(dataset);
    }

    /**
     * Lists the ways data sets are named.
     *
     * @return comma-separated usages
     */
    public static String usages() {
        return READERS.stream().map(DatasetReader::usage).collect(Collectors.joining(", "));
    }
}
