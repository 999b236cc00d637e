package dev.sprig.data;

/**
 * Reads one kind of data set into a run's splits. A new source of data is one class implementing
 * this, registered in {@link DatasetReaders}.
 */
public interface DatasetReader {
    /**
     * Whether this reader reads the named data set.
     *
     * @param dataset the name as given, e.g. {@code mnist} or {@code folder:photos}
     * @return true when it does
     */
    boolean reads(String dataset);

    /**
     * Reads the data set.
     *
     * @param request what to read and how
     * @return the splits
     * @throws dev.sprig.SprigException with one clear line naming what is wrong
     */
    DataSplits read(DataRequest request);

    /**
     * How a user names data sets of this kind, for help and error messages.
     *
     * @return e.g. {@code folder:PATH}
     */
    String usage();
}
