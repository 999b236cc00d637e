package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.sparse.GrowCriterion;
import dev.sprig.sparse.SparseMethods;
import dev.sprig.train.Json;
import dev.sprig.train.Methods;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A dynamic sparse method defined only in this test is one class (its growth criterion) and one
 * registration, and then trains through the command line's entry point on both execution paths.
 */
class CustomMethodTest {
    @TempDir Path tmp;

    /** Regrows the inactive connections of lowest index first: unlike every built-in criterion. */
    static final class FirstIndexGrow implements GrowCriterion {
        static final AtomicInteger CALLS = new AtomicInteger();

        @Override
        public GradientUse gradientUse() {
            return GradientUse.NONE;
        }

        @Override
        public RowScores scores(Input in) {
            CALLS.incrementAndGet();
            return (from, to) -> {
                float[] s = new float[(to - from) * in.cols()];
                long first = (long) from * in.cols();
                for (int i = 0; i < s.length; i++) {
                    s[i] = (float) (1.0 / (1 + first + i));
                }
                return s;
            };
        }
    }

    @BeforeAll
    static void registerOnce() {
        if (!Methods.contains("first-index")) {
            Methods.register(
                    SparseMethods.dynamic(
                            "first-index",
                            "regrow the lowest indices first (test only)",
                            c -> new FirstIndexGrow(),
                            false));
        }
    }

    private static String[] run(String... args) {
        CommandLine cl = SprigCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertThat(code).as(err.toString()).isZero();
        return new String[] {err.toString()};
    }

    private JsonNode train(String exec) throws Exception {
        Path out = tmp.resolve(exec);
        int before = FirstIndexGrow.CALLS.get();
        run(
                "train",
                "--method",
                "first-index",
                "--dataset",
                "synthetic",
                "--model",
                "lenet-300-100",
                "--width-multiplier",
                "0.1",
                "--epochs",
                "2",
                "--max-steps-per-epoch",
                "4",
                "--update-interval",
                "2",
                "--sparsity",
                "0.9",
                "--validation-fraction",
                "0",
                "--exec",
                exec,
                "--quiet",
                "--out",
                out.toString());
        assertThat(FirstIndexGrow.CALLS.get())
                .as("the criterion scored layers on the %s path", exec)
                .isGreaterThan(before);
        return Json.JSON.readTree(out.resolve("summary.json").toFile());
    }

    @Test
    void aRegisteredCriterionTrainsOnBothExecutionPathsThroughTheCli() throws Exception {
        JsonNode engine = train("dense");
        JsonNode csr = train("sparse");
        for (JsonNode s : new JsonNode[] {engine, csr}) {
            assertThat(s.get("method").asText()).isEqualTo("first-index");
            assertThat(s.get("sparsity").asDouble()).isBetween(0.89, 0.91);
            assertThat(s.get("mask_updates").asLong()).isPositive();
        }
        assertThat(csr.get("exec").asText()).isEqualTo("sparse");
        // Same method, same seed: the paths keep the same per-layer counts.
        assertThat(csr.get("layer_densities")).isEqualTo(engine.get("layer_densities"));
    }

    @Test
    void theRegisteredMethodIsListedByTrainButNotByTheFamilyCommands() {
        CommandLine cl = SprigCommand.commandLine();
        assertThat(cl.getSubcommands().get("train").getUsageMessage()).contains("first-index");
        assertThat(cl.getSubcommands().get("earlybird").getUsageMessage())
                .doesNotContain("first-index");
    }
}
