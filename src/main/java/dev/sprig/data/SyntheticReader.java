package dev.sprig.data;

/**
 * Learnable random 1×28×28 images in 10 classes, 4,000 for training and 1,000 for test, for smoke
 * runs and tests ({@link SyntheticImages}).
 */
final class SyntheticReader implements DatasetReader {
    @Override
    public boolean reads(String dataset) {
        return dataset.equalsIgnoreCase("synthetic");
    }

    @Override
    public DataSplits read(DataRequest request) {
        ImageSet train = SyntheticImages.generate(4000, 1, 28, 10, 7);
        ImageSet test = SyntheticImages.generate(1000, 1, 28, 10, 8);
        return DataSplits.split(
                "synthetic",
                train,
                test,
                SyntheticImages.normalization(1),
                request.validationFraction(),
                request.seed(),
                false);
    }

    @Override
    public String usage() {
        return "synthetic";
    }
}
