package dev.sprig;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.sprig.data.CifarFormat;
import dev.sprig.data.DataRequest;
import dev.sprig.data.DataSplits;
import dev.sprig.data.IdxFormat;
import dev.sprig.data.TestFiles;
import dev.sprig.export.ModelExport;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.exec.SparseCheckpoint;
import dev.sprig.sparse.exec.WorkerPool;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Json;
import dev.sprig.train.RunSummary;
import dev.sprig.train.SgdOptimizer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every reader of untrusted input, fed mutations of a valid file (bit flips, truncations, huge
 * declared sizes, spliced and random bytes, and for text formats values of the wrong type), for a
 * fixed seed and number of cases: each load either succeeds or ends in one {@link SprigException};
 * never another exception, a hang, or an allocation sized from an unchecked header (the test JVM
 * has a 3 GB heap, so such an allocation fails as an {@code OutOfMemoryError} and is reported).
 */
class ReaderFuzzTest {
    /** Mutated files per reader. */
    static final int CASES = 800;

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor();

    /** Run folders written by earlier formats, which the readers must still open. */
    private static final Path LEGACY_RUNS = Path.of("src/test/resources/legacy-runs");

    @TempDir Path tmp;

    /** Loads one candidate file; any outcome but success or a SprigException is a finding. */
    interface Load {
        void from(Path file) throws Exception;
    }

    /** A reader's valid input and how to load a candidate. */
    record Reader(String name, byte[] valid, boolean text, Load load) {}

    private final Map<String, Integer> tried = new LinkedHashMap<>();

    @AfterAll
    static void stop() {
        RUNNER.shutdownNow();
    }

    @Test
    void everyReaderRejectsDamagedInputWithOneClearError() throws Exception {
        List<Reader> readers = readers();
        List<String> findings = new ArrayList<>();
        for (Reader reader : readers) {
            SplittableRandom r = new SplittableRandom(reader.name().hashCode());
            Path file = tmp.resolve(reader.name() + ".input");
            // The valid file loads: the harness exercises the reader, not a broken fixture.
            Files.write(file, reader.valid());
            reader.load().from(file);
            for (int k = 0; k < CASES; k++) {
                String how = mutate(reader, r, file);
                String finding = run(reader, file);
                if (finding != null) {
                    findings.add(reader.name() + " case " + k + " (" + how + "): " + finding);
                }
            }
            tried.put(reader.name(), CASES);
        }
        System.out.println("fuzz cases tried per reader: " + tried);
        assertThat(findings)
                .as("loads that ended in neither success nor one SprigException")
                .isEmpty();
    }

    private static String run(Reader reader, Path file) throws InterruptedException {
        Future<?> f =
                RUNNER.submit(
                        () -> {
                            reader.load().from(file);
                            return null;
                        });
        try {
            f.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
            return null;
        } catch (TimeoutException e) {
            f.cancel(true);
            return "did not finish within " + LIMIT.toSeconds() + " s";
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SprigException) {
                return null;
            }
            StackTraceElement[] at = cause.getStackTrace();
            return cause.getClass().getSimpleName()
                    + ": "
                    + cause.getMessage()
                    + (at.length > 0 ? " at " + at[0] : "");
        }
    }

    /** Writes a mutation of the reader's valid input to the file and says what it did. */
    private static String mutate(Reader reader, SplittableRandom r, Path file) throws Exception {
        byte[] v = reader.valid().clone();
        int kind = r.nextInt(reader.text() ? 7 : 6);
        String how;
        switch (kind) {
            case 0 -> {
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    v[r.nextInt(v.length)] ^= (byte) (1 << r.nextInt(8));
                }
                how = flips + " bit flips";
            }
            case 1 -> {
                int n = r.nextInt(v.length);
                v = Arrays.copyOf(v, n);
                how = "truncated to " + n + " bytes";
            }
            case 2 -> {
                // A declared size or count replaced by a huge or negative number.
                int at = r.nextInt(Math.max(1, v.length - 4));
                int[] huge = {Integer.MAX_VALUE, 1 << 30, -1, Integer.MIN_VALUE, 0x7fff0000};
                int value = huge[r.nextInt(huge.length)];
                ByteBuffer.wrap(v, at, Math.min(4, v.length - at)).putInt(value);
                how = "int " + value + " at " + at;
            }
            case 3 -> {
                byte[] junk = new byte[1 + r.nextInt(64)];
                r.nextBytes(junk);
                int at = r.nextInt(v.length);
                byte[] out = new byte[v.length + junk.length];
                System.arraycopy(v, 0, out, 0, at);
                System.arraycopy(junk, 0, out, at, junk.length);
                System.arraycopy(v, at, out, at + junk.length, v.length - at);
                v = out;
                how = junk.length + " random bytes inserted at " + at;
            }
            case 4 -> {
                int at = r.nextInt(v.length);
                int n = Math.min(v.length - at, 1 + r.nextInt(256));
                byte[] junk = new byte[n];
                r.nextBytes(junk);
                System.arraycopy(junk, 0, v, at, n);
                how = n + " bytes overwritten at " + at;
            }
            case 5 -> {
                v = new byte[r.nextInt(512)];
                r.nextBytes(v);
                how = "random bytes";
            }
            default -> {
                // Text: a value of the wrong type or an absurd one in place of a real value.
                String text = new String(v, StandardCharsets.UTF_8);
                String[] values = {
                    "[1, 2]", "{a: 1}", "\"x\"", "1e309", "-1", "null", "true", "99999999999999"
                };
                String[] parts = text.split(":", -1);
                int at = 1 + r.nextInt(Math.max(1, parts.length - 1));
                if (at < parts.length) {
                    String rest = parts[at];
                    int cut = rest.indexOf('\n');
                    String value = values[r.nextInt(values.length)];
                    parts[at] = " " + value + (cut < 0 ? "" : rest.substring(cut));
                }
                v = String.join(":", parts).getBytes(StandardCharsets.UTF_8);
                how = "a value replaced by a wrong type";
            }
        }
        Files.write(file, v);
        return how;
    }

    private List<Reader> readers() throws Exception {
        List<Reader> out = new ArrayList<>();
        byte[] labels = TestFiles.idxLabels(2049, 20, 20);
        Path labelFile = Files.write(tmp.resolve("labels.idx"), labels);
        out.add(
                new Reader(
                        "idx-images",
                        TestFiles.idxImages(2051, 20, 28, 28, 20 * 784),
                        false,
                        f -> IdxFormat.read("x", f, labelFile, 10)));
        Path imageFile =
                Files.write(
                        tmp.resolve("images.idx"), TestFiles.idxImages(2051, 20, 28, 28, 20 * 784));
        out.add(
                new Reader(
                        "idx-labels", labels, false, f -> IdxFormat.read("x", imageFile, f, 10)));
        out.add(
                new Reader(
                        "cifar",
                        TestFiles.cifarRecords(12, 1, 10),
                        false,
                        f -> CifarFormat.read("x", List.of(f), 1, 10)));

        String yaml = Json.toYaml(new dev.sprig.train.TrainConfig());
        out.add(
                new Reader(
                        "config-yaml",
                        yaml.getBytes(StandardCharsets.UTF_8),
                        true,
                        f -> Json.readConfig(f).validate()));
        String recipe =
                new String(
                        ReaderFuzzTest.class
                                .getResourceAsStream("/recipes/rigl-lenet300-mnist.yaml")
                                .readAllBytes(),
                        StandardCharsets.UTF_8);
        out.add(
                new Reader(
                        "recipe",
                        recipe.getBytes(StandardCharsets.UTF_8),
                        true,
                        f -> Json.readConfig(f).validate()));

        Path summaryDir = Files.createDirectories(tmp.resolve("summary-run"));
        byte[] summary = Files.readAllBytes(Path.of("src/test/resources/fuzz/summary.json"));
        out.add(
                new Reader(
                        "summary-json",
                        summary,
                        true,
                        f -> {
                            Files.copy(
                                    f,
                                    summaryDir.resolve("summary.json"),
                                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                            RunSummary.read(summaryDir);
                        }));

        // Checkpoints: the current format (checksummed) and both older, unchecksummed ones.
        SprigModel model = ModelZoo.create("lenet-300-100", 1, 28, 10, 0.1, Device.cpu(), 0, 1f);
        Path current = tmp.resolve("current.ckpt");
        Checkpoint.save(
                current,
                new Checkpoint.State(1, 0, 5, 1, 1, 0, 0, 0, 0, 0, -1, 0, List.of("{}")),
                model,
                new SgdOptimizer(0.9, false, 0),
                List.of());
        Load engine = f -> Checkpoint.load(f, model, new SgdOptimizer(0.9, false, 0), List.of());
        out.add(new Reader("checkpoint", Files.readAllBytes(current), false, engine));
        out.add(
                new Reader(
                        "checkpoint-v1",
                        Files.readAllBytes(
                                LEGACY_RUNS.resolve("engine-static/checkpoints/last.ckpt")),
                        false,
                        engine));
        List<LayerSpec> mlp = ModelZoo.specs("lenet-300-100", 1, 28, 10, 0.1);
        WorkerPool pool = new WorkerPool(1);
        out.add(
                new Reader(
                        "checkpoint-csr-legacy",
                        Files.readAllBytes(LEGACY_RUNS.resolve("csr-static/checkpoints/last.ckpt")),
                        false,
                        f -> SparseCheckpoint.network(f, mlp, pool)));

        Path export = tmp.resolve("export");
        Files.createDirectories(export);
        byte[] csr = Files.readAllBytes(Path.of("src/test/resources/fuzz/model.csr"));
        // A model as an export is loaded into: freshly built, never trained.
        SprigModel fresh = ModelZoo.create("lenet-300-100", 1, 28, 10, 0.1, Device.cpu(), 0, 1f);
        out.add(new Reader("model-csr", csr, false, f -> ModelExport.loadCsr(f, fresh)));

        // Users' data: a CSV table, a PyTorch archive, an image in a folder (skipped or named).
        StringBuilder table = new StringBuilder("a,b,\"label\"\n");
        for (int i = 0; i < 12; i++) {
            table.append(i)
                    .append(',')
                    .append(i * 0.5)
                    .append(',')
                    .append(i % 2 == 0 ? "x" : "y")
                    .append('\n');
        }
        out.add(
                new Reader(
                        "csv-table",
                        table.toString().getBytes(StandardCharsets.UTF_8),
                        true,
                        f ->
                                DataSplits.load(
                                        new DataRequest(
                                                "csv:" + f,
                                                tmp,
                                                0,
                                                0,
                                                64,
                                                false,
                                                "label",
                                                1,
                                                false,
                                                null))));
        Path archive = tmp.resolve("state.pt");
        SprigModel small = ModelZoo.create("lenet-300-100", 1, 28, 10, 0.02, Device.cpu(), 0, 1f);
        dev.sprig.export.TorchArchive.writeStateDict(small, archive);
        out.add(
                new Reader(
                        "torch-archive",
                        Files.readAllBytes(archive),
                        false,
                        f -> dev.sprig.export.TorchArchive.read(f)));
        Path folder = tmp.resolve("images");
        for (int i = 0; i < 3; i++) {
            TestFiles.solidImage(folder.resolve("a/" + i + ".png"), 9, 7, 0x102030);
            TestFiles.solidImage(folder.resolve("b/" + i + ".png"), 9, 7, 0x302010);
        }
        Path png = folder.resolve("b/fuzzed.png");
        TestFiles.solidImage(png, 9, 7, 0x203040);
        byte[] validPng = Files.readAllBytes(png);
        out.add(
                new Reader(
                        "png-in-folder",
                        validPng,
                        false,
                        f -> {
                            Files.copy(f, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                            DataSplits.load(
                                    new DataRequest(
                                            "folder:" + folder,
                                            tmp,
                                            0,
                                            0,
                                            8,
                                            false,
                                            null,
                                            1,
                                            false,
                                            null));
                        }));
        return out;
    }
}
