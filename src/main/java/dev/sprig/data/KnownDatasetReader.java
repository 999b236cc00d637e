package dev.sprig.data;

import java.util.Arrays;
import java.util.Locale;

/** Reads the built-in data sets ({@link KnownDataset}) from the data root. */
final class KnownDatasetReader implements DatasetReader {
    @Override
    public boolean reads(String dataset) {
        String k = dataset.trim().toLowerCase(Locale.ROOT).replace('_', '-').replace("-", "");
        return Arrays.stream(KnownDataset.values())
                .anyMatch(d -> d.key().replace("-", "").equals(k));
    }

    @Override
    public DataSplits read(DataRequest request) {
        KnownDataset d = KnownDataset.of(request.dataset());
        return DataSplits.load(
                d,
                request.root(),
                request.validationFraction(),
                request.seed(),
                d.augmentsByDefault());
    }

    @Override
    public String usage() {
        return KnownDataset.keys();
    }
}
