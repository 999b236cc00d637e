package dev.sprig.data;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads {@code csv:FILE} (or {@code csv:TRAIN,TEST}): a table with a header row, one label column
 * named by the run and numeric features in every other column, for the MLPs and the CSR path.
 * Parsing is Jackson's CSV module (quotes, separators inside quotes, CRLF).
 *
 * <p>Labels may be integers (classes in numeric order) or strings (in text order); their values are
 * the class names. A missing or non-numeric feature is refused with its line and column, never
 * filled in. With one file a fixed fifth of each class is the test set ({@link TestHoldOut}).
 * Features are standardised by the mean and deviation of the training rows, computed once here and
 * recorded by runs, so an exported model can be fed raw rows the same way.
 */
final class CsvTableReader implements DatasetReader {
    /** The prefix of the data set name. */
    static final String PREFIX = "csv:";

    @Override
    public boolean reads(String dataset) {
        return dataset.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    @Override
    public String usage() {
        return "csv:FILE (with --label-column NAME)";
    }

    @Override
    public DataSplits read(DataRequest request) {
        String[] files = request.after(PREFIX).split(",");
        if (files.length > 2 || files[0].isBlank()) {
            throw new SprigException(
                    "csv data set takes one file or TRAIN,TEST, got '"
                            + request.after(PREFIX)
                            + "'");
        }
        String label = request.labelColumn();
        Table train = parse(Path.of(files[0].trim()), label);
        Table test = files.length == 2 ? parse(Path.of(files[1].trim()), label) : null;
        if (test != null && !test.header.equals(train.header)) {
            throw new SprigException(
                    files[1].trim()
                            + " has columns "
                            + test.header
                            + ", the training file "
                            + train.header);
        }
        List<String> classes = classNames(train.labels);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        int f = train.header.size();
        ImageSet trainSet;
        ImageSet testSet;
        String layout;
        if (test != null) {
            trainSet = train.toSet(request.dataset() + "/train", classes, index);
            testSet = test.toSet(request.dataset() + "/test", classes, index);
            layout = "train and test files";
        } else {
            ImageSet all = train.toSet(request.dataset(), classes, index);
            boolean[] held = TestHoldOut.mask(all.labels(), classes.size(), "csv");
            int[] in = indices(held, false);
            int[] out = indices(held, true);
            if (out.length == 0) {
                throw new SprigException(
                        files[0].trim()
                                + ": too few rows to hold out a test set; give each class at least"
                                + " two rows, or pass csv:TRAIN,TEST");
            }
            trainSet = all.subset(in).named(request.dataset() + "/train");
            testSet = all.subset(out).named(request.dataset() + "/test");
            layout =
                    "one file, "
                            + Math.round(TestHoldOut.FRACTION * 100)
                            + "% of each class held out";
        }
        Normalization norm =
                request.normalization() != null
                        ? request.normalization()
                        : featureStatistics(trainSet);
        if (norm.mean().length != f) {
            throw new SprigException(
                    "the normalisation has "
                            + norm.mean().length
                            + " values, the table has "
                            + f
                            + " features");
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("source", files.length == 2 ? request.after(PREFIX) : files[0].trim());
        info.put("layout", layout);
        info.put("label_column", label);
        info.put("features", train.header);
        info.put("classes", classes);
        info.put("train_rows", trainSet.size());
        info.put("test_rows", testSet.size());
        info.put(
                "normalization_from",
                request.normalization() != null
                        ? "config"
                        : "training rows (standardised features)");
        return DataSplits.split(
                        request.dataset(),
                        trainSet,
                        testSet,
                        norm,
                        request.validationFraction(),
                        request.seed(),
                        false)
                .with(null, info);
    }

    private static int[] indices(boolean[] held, boolean value) {
        int n = 0;
        for (boolean h : held) {
            n += h == value ? 1 : 0;
        }
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < held.length; i++) {
            if (held[i] == value) {
                out[k++] = i;
            }
        }
        return out;
    }

    /** Class names in numeric order when every label is an integer, else in text order. */
    static List<String> classNames(List<String> labels) {
        TreeSet<String> distinct = new TreeSet<>(labels);
        boolean integers = distinct.stream().allMatch(s -> s.matches("[-+]?\\d{1,18}"));
        List<String> names = new ArrayList<>(distinct);
        if (integers) {
            names.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        }
        if (names.size() < 2) {
            throw new SprigException(
                    "the label column has "
                            + names.size()
                            + " distinct value(s); classification needs at least two");
        }
        return names;
    }

    /**
     * Mean and population deviation of each feature over the training rows, in two passes (the
     * mean, then squared distances from it), so a feature with a large offset keeps its spread
     * instead of losing it to cancellation. A constant feature gets deviation 1: it carries nothing
     * and stays at zero once centred.
     */
    static Normalization featureStatistics(ImageSet set) {
        int f = set.channels();
        int n = set.size();
        float[] x = set.features();
        float[] mean = new float[f];
        float[] std = new float[f];
        for (int k = 0; k < f; k++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x[i * f + k];
            }
            double mu = sum / n;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double d = x[i * f + k] - mu;
                sq += d * d;
            }
            double var = sq / n;
            mean[k] = (float) mu;
            std[k] = var > 0 ? (float) Math.sqrt(var) : 1f;
        }
        return new Normalization(mean, std);
    }

    /** A parsed file: the feature columns' names, rows of raw values, and the label strings. */
    private record Table(Path file, List<String> header, float[] values, List<String> labels) {
        ImageSet toSet(String name, List<String> classes, Map<String, Integer> index) {
            int[] y = new int[labels.size()];
            for (int i = 0; i < y.length; i++) {
                Integer c = index.get(labels.get(i));
                if (c == null) {
                    throw new SprigException(
                            file
                                    + " line "
                                    + (i + 2)
                                    + ": label '"
                                    + labels.get(i)
                                    + "' does not occur in the training file");
                }
                y[i] = c;
            }
            return ImageSet.table(name, values, y, header.size(), classes);
        }
    }

    private static Table parse(Path file, String labelColumn) {
        if (!Files.isRegularFile(file)) {
            throw new SprigException("no CSV file at " + file);
        }
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (MappingIterator<String[]> rows =
                mapper.readerFor(String[].class).readValues(file.toFile())) {
            if (!rows.hasNext()) {
                throw new SprigException(file + " is empty; expected a header row");
            }
            String[] header = trimmed(rows.next());
            if (labelColumn == null || labelColumn.isBlank()) {
                throw new SprigException(
                        "csv data needs --label-column NAME; the columns of "
                                + file
                                + " are "
                                + String.join(", ", header));
            }
            int labelAt = Arrays.asList(header).indexOf(labelColumn);
            if (labelAt < 0) {
                throw new SprigException(
                        file
                                + " has no column '"
                                + labelColumn
                                + "'; columns: "
                                + String.join(", ", header));
            }
            if (new TreeSet<>(Arrays.asList(header)).size() != header.length) {
                throw new SprigException(file + ": column names repeat in the header");
            }
            if (header.length < 2) {
                throw new SprigException(file + " has no feature columns besides the label");
            }
            List<String> features = new ArrayList<>(Arrays.asList(header));
            features.remove(labelAt);
            int f = features.size();
            float[] values = new float[1024 * f];
            List<String> labels = new ArrayList<>();
            int line = 1;
            while (rows.hasNext()) {
                String[] row = rows.next();
                line++;
                if (row.length == 1 && row[0].isBlank()) {
                    continue;
                }
                if (row.length != header.length) {
                    throw new SprigException(
                            String.format(
                                    Locale.ROOT,
                                    "%s line %d: %d values, the header has %d columns",
                                    file,
                                    line,
                                    row.length,
                                    header.length));
                }
                String y = row[labelAt].trim();
                if (y.isEmpty()) {
                    throw new SprigException(file + " line " + line + ": missing label");
                }
                int n = labels.size();
                if ((n + 1) * f > values.length) {
                    values = Arrays.copyOf(values, Math.max(values.length * 2, (n + 1) * f));
                }
                int k = 0;
                for (int c = 0; c < row.length; c++) {
                    if (c == labelAt) {
                        continue;
                    }
                    values[n * f + k] = number(row[c], file, line, header[c]);
                    k++;
                }
                labels.add(y);
            }
            if (labels.isEmpty()) {
                throw new SprigException(file + " has a header but no rows");
            }
            return new Table(
                    file, List.copyOf(features), Arrays.copyOf(values, labels.size() * f), labels);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SprigException s) {
                throw s;
            }
            throw new SprigException("cannot read " + file + " as CSV: " + e.getMessage());
        }
    }

    private static String[] trimmed(String[] row) {
        String[] out = new String[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i].trim();
        }
        return out;
    }

    private static float number(String cell, Path file, int line, String column) {
        String s = cell.trim();
        if (s.isEmpty()
                || s.equalsIgnoreCase("na")
                || s.equalsIgnoreCase("nan")
                || s.equalsIgnoreCase("null")
                || s.equals("?")) {
            throw new SprigException(
                    file
                            + " line "
                            + line
                            + ", column "
                            + column
                            + ": missing value; fill or drop the row first");
        }
        try {
            float v = Float.parseFloat(s);
            if (!Float.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new SprigException(
                    file
                            + " line "
                            + line
                            + ", column "
                            + column
                            + ": '"
                            + s
                            + "' is not a finite number");
        }
    }
}
