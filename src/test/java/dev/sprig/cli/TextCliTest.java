package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.train.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A character-level language model from the command line: trained sparse, resumed, exported. */
class TextCliTest {
    @TempDir Path tmp;

    private record Result(int exit, String out, String err) {}

    private static Result sprig(String... args) {
        CommandLine cl = SprigCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aGruTrainsSparseOnATextFileAndReportsBitsPerCharacter() throws Exception {
        Path text = tmp.resolve("poem.txt");
        Files.writeString(text, "Shall I compare thee to a summer's day? ".repeat(120));
        Path run = tmp.resolve("run");
        Result r =
                sprig(
                        "train",
                        "--dataset",
                        "text:" + text,
                        "--model",
                        "gru-32-2",
                        "--method",
                        "rigl",
                        "--sparsity",
                        "0.75",
                        "--seq-len",
                        "20",
                        "--batch-size",
                        "8",
                        "--clip-norm",
                        "1",
                        "--lr",
                        "0.5",
                        "--epochs",
                        "2",
                        "--quiet",
                        "--out",
                        run.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode s = Json.JSON.readTree(run.resolve("summary.json").toFile());
        assertThat(s.get("test_bits_per_character").asDouble()).isPositive();
        assertThat(s.get("test_perplexity").asDouble())
                .isCloseTo(
                        Math.pow(2, s.get("test_bits_per_character").asDouble()),
                        org.assertj.core.data.Percentage.withPercentage(1e-9));
        assertThat(s.get("sparsity").asDouble()).isBetween(0.74, 0.76);
        assertThat(s.at("/data/unit").asText()).isEqualTo("character");
        // exec auto kept it on the engine, and says why.
        assertThat(s.get("exec_reason").asText())
                .startsWith("engine path chosen")
                .contains("sparsity 0.75 is below 0.90");
        assertThat(Files.readString(run.resolve("metrics.jsonl")))
                .contains("\"test_bits_per_character\"");
        assertThat(Files.readString(run.resolve("config.yaml"))).contains("seq_len: 20");

        Result e = sprig("export", run.toString());
        assertThat(e.exit()).as(e.err()).isZero();
        assertThat(run.resolve("export/state_dict.pt")).exists();
        assertThat(run.resolve("export/model.csr")).exists();
        JsonNode manifest = Json.JSON.readTree(run.resolve("export/model.json").toFile());
        assertThat(manifest.get("sequence_length").asInt()).isEqualTo(20);
        assertThat(manifest.get("labels").get(0).asText()).isEqualTo("<unk>");
        // At 90% exec auto trains it on the sparse path, and export reads that checkpoint too.
        Path sparse = tmp.resolve("sparse");
        Result rs =
                sprig(
                        "train",
                        "--dataset",
                        "text:" + text,
                        "--model",
                        "gru-32-2",
                        "--method",
                        "rigl",
                        "--sparsity",
                        "0.9",
                        "--seq-len",
                        "20",
                        "--batch-size",
                        "8",
                        "--clip-norm",
                        "1",
                        "--lr",
                        "0.5",
                        "--epochs",
                        "1",
                        "--quiet",
                        "--out",
                        sparse.toString());
        assertThat(rs.exit()).as(rs.err()).isZero();
        JsonNode ss = Json.JSON.readTree(sparse.resolve("summary.json").toFile());
        assertThat(ss.get("exec").asText()).isEqualTo("sparse");
        assertThat(ss.get("exec_reason").asText()).contains("GRU language model");
        assertThat(ss.get("test_bits_per_character").asDouble()).isPositive();
        Result es = sprig("export", sparse.toString());
        assertThat(es.exit()).as(es.err()).isZero();
        assertThat(sparse.resolve("export/state_dict.pt")).exists();

        Result ts = sprig("export", run.toString(), "--format", "torchscript");
        assertThat(ts.exit()).isNotZero();
        assertThat(ts.err().strip().lines().count()).isEqualTo(1);
        assertThat(ts.err()).contains("recurrent");
    }

    @Test
    void textAndImagesRefuseTheOtherKindOfModelInOneLine() throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "abc ".repeat(2000));
        Result mlp =
                sprig(
                        "train",
                        "--dataset",
                        "text:" + text,
                        "--model",
                        "lenet-300-100",
                        "--seq-len",
                        "10",
                        "--batch-size",
                        "4",
                        "--quiet",
                        "--out",
                        tmp.resolve("a").toString());
        assertThat(mlp.exit()).isNotZero();
        assertThat(mlp.err()).contains("is text: it trains a recurrent language model");
        assertThat(mlp.err().strip().lines().count()).isEqualTo(1);
        Result gru =
                sprig(
                        "train",
                        "--dataset",
                        "synthetic",
                        "--model",
                        "gru-16-1",
                        "--quiet",
                        "--out",
                        tmp.resolve("b").toString());
        assertThat(gru.exit()).isNotZero();
        assertThat(gru.err()).contains("reads text");
        assertThat(gru.err().strip().lines().count()).isEqualTo(1);
    }
}
