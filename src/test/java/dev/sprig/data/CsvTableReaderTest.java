package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTableReaderTest {
    @TempDir Path tmp;

    private static DataRequest request(String dataset, String label) {
        return new DataRequest(dataset, Path.of("."), 0, 0, 64, false, label, 1, false, null);
    }

    private Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsFeaturesAndStringLabelsAndStandardisesWithTheTrainingRows() throws Exception {
        Path train =
                write(
                        "train.csv",
                        "x,\"species\",y\n1,setosa,10\n3,virginica,10\n5,setosa,10\n"
                                + "7,virginica,10\n");
        Path test = write("test.csv", "x,species,y\n4,virginica,12\n");
        DataSplits d = DataSplits.load(request("csv:" + train + "," + test, "species"));
        assertThat(d.classNames()).containsExactly("setosa", "virginica");
        assertThat(d.train().isTable()).isTrue();
        assertThat(d.train().channels()).isEqualTo(2);
        assertThat(d.train().height()).isEqualTo(1);
        assertThat(d.train().labels()).containsExactly(0, 1, 0, 1);
        // x: mean 4, population deviation sqrt(5); y is constant: deviation 1.
        assertThat(d.normalization().mean()).containsExactly(4f, 10f);
        assertThat(d.normalization().std()).containsExactly((float) Math.sqrt(5), 1f);
        BatchSource s = new BatchSource(d.test(), d.normalization(), 8, false, null, 0);
        assertThat(s.batch(0, 0).images()).containsExactly(0f, 2f);
        assertThat(d.description()).containsEntry("label_column", "species");
    }

    @Test
    void integerLabelsAreClassesInNumericOrderAndOneFileHoldsOutAFifth() throws Exception {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 30; i++) {
            csv.append(i)
                    .append(',')
                    .append(i * 0.5)
                    .append(',')
                    .append(new int[] {10, 2, 1}[i % 3])
                    .append('\n');
        }
        Path f = write("t.csv", csv.toString());
        DataSplits d = DataSplits.load(request("csv:" + f, "label"));
        assertThat(d.classNames()).containsExactly("1", "2", "10");
        assertThat(d.train().size()).isEqualTo(24);
        assertThat(d.test().size()).isEqualTo(6);
        assertThat(d.test().classCounts()).containsExactly(2, 2, 2);
        // The hold-out does not depend on the run seed.
        DataRequest seeded =
                new DataRequest(
                        "csv:" + f, Path.of("."), 0, 42, 64, false, "label", 1, false, null);
        assertThat(DataSplits.load(seeded).test()).isEqualTo(d.test());
    }

    @Test
    void missingOrBadValuesAreRefusedWithTheirLine() throws Exception {
        Path missing = write("m.csv", "a,b,label\n1,2,x\n3,,y\n");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + missing, "label")))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("line 3, column b: missing value");
        Path na = write("na.csv", "a,b,label\n1,NA,x\n3,4,y\n");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + na, "label")))
                .hasMessageContaining("line 2, column b: missing value");
        Path text = write("t.csv", "a,b,label\n1,2,x\n3,four,y\n");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + text, "label")))
                .hasMessageContaining("line 3, column b: 'four' is not a finite number");
        Path ragged = write("r.csv", "a,b,label\n1,2,x\n3,y\n");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + ragged, "label")))
                .hasMessageContaining("line 3: 2 values, the header has 3 columns");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + text, "kind")))
                .hasMessageContaining("no column 'kind'; columns: a, b, label");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + text, null)))
                .hasMessageContaining("--label-column");
        Path one = write("one.csv", "a,label\n1,x\n2,x\n");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + one, "label")))
                .hasMessageContaining("at least two");
        Path train = write("tr.csv", "a,label\n1,x\n2,y\n");
        Path test = write("te.csv", "a,label\n1,z\n");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + train + "," + test, "label")))
                .hasMessageContaining("te.csv line 2: label 'z' does not occur in the training");
        assertThatThrownBy(() -> DataSplits.load(request("csv:" + tmp.resolve("no.csv"), "a")))
                .hasMessageContaining("no CSV file at");
    }

    @Test
    void theLabelMayBeTheFirstColumnAndAnOffsetKeepsItsSpread() throws Exception {
        // Feature "big" is 1e6 and 1e6 + 4 (deviation 2 about a large mean), "flat" is constant.
        Path f =
                write(
                        "first.csv",
                        "y,big,flat\nA,1000000,5\nB,1000004,5\nA,1000000,5\nB,1000004,5\n");
        DataRequest r =
                new DataRequest(
                        "csv:" + f + "," + f, Path.of("."), 0, 0, 64, false, "y", 1, false, null);
        DataSplits d = DataSplits.load(r);
        assertThat(d.classNames()).containsExactly("A", "B");
        assertThat(d.train().labels()).containsExactly(0, 1, 0, 1);
        assertThat(d.normalization().mean()).containsExactly(1000002f, 5f);
        assertThat(d.normalization().std()).containsExactly(2f, 1f);
        assertThat(d.description())
                .containsEntry("source", f + "," + f)
                .containsEntry("layout", "train and test files")
                .containsEntry("normalization_from", "training rows (standardised features)");
        // A normalisation from the config is used as given and said so.
        DataRequest fixed =
                new DataRequest(
                        "csv:" + f,
                        Path.of("."),
                        0,
                        0,
                        64,
                        false,
                        "y",
                        1,
                        false,
                        new Normalization(new float[] {0, 0}, new float[] {1, 1}));
        DataSplits given = DataSplits.load(fixed);
        assertThat(given.normalization().mean()).containsExactly(0f, 0f);
        assertThat(given.description())
                .containsEntry("source", f.toString())
                .containsEntry("normalization_from", "config");
        DataRequest wrong =
                new DataRequest(
                        "csv:" + f,
                        Path.of("."),
                        0,
                        0,
                        64,
                        false,
                        "y",
                        1,
                        false,
                        new Normalization(new float[] {0}, new float[] {1}));
        assertThatThrownBy(() -> DataSplits.load(wrong))
                .hasMessageContaining("the normalisation has 1 values, the table has 2 features");
        assertThat(DatasetReaders.usages()).contains("csv:FILE", "folder:PATH", "mnist");
    }

    @Test
    void blankLinesAreSkippedAndManyRowsGrowTheTable() throws Exception {
        StringBuilder csv = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 3000; i++) {
            csv.append(i)
                    .append(',')
                    .append(2 * i)
                    .append(',')
                    .append(-i)
                    .append(',')
                    .append(i % 2)
                    .append('\n');
            if (i == 10) {
                csv.append('\n');
            }
        }
        Path f = write("many.csv", csv.toString());
        DataSplits d = DataSplits.load(request("csv:" + f + "," + f, "label"));
        assertThat(d.train().size()).isEqualTo(3000);
        float[] x = d.train().features();
        assertThat(x[2999 * 3]).isEqualTo(2999f);
        assertThat(x[2999 * 3 + 1]).isEqualTo(5998f);
        assertThat(x[2999 * 3 + 2]).isEqualTo(-2999f);
        assertThat(x[11 * 3]).isEqualTo(11f);
    }
}
