package dev.sprig.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import dev.sprig.train.Json;
import dev.sprig.train.Progress;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import dev.sprig.train.TrainConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LotteryTicketSearchTest {
    @TempDir Path tmp;

    private static TrainConfig config() {
        TrainConfig c = SparseUpdaterContractTest.config("lth", 0.9, 3, "uniform");
        c.lthRounds = 2;
        c.rewindStep = 2;
        return c;
    }

    private static DataSplits data() {
        return DataSplits.load("synthetic", Path.of("."), 0, 3);
    }

    @Test
    void roundsPruneNestedMasksToTheTargetAndAddUpTheirCost() throws IOException {
        TrainConfig c = config();
        RunFolder f = RunFolder.open(tmp.resolve("lth"), RunFolder.Mode.NEW);
        RunSummary s = LotteryTicketSearch.run(c, data(), f, false, Progress.silent());
        assertThat(s.sparsity()).isBetween(0.899, 0.901);
        JsonNode rounds = Json.JSON.readTree(f.summary().toFile()).get("rounds");
        assertThat(rounds).hasSize(3);
        assertThat(rounds.get(0).get("sparsity").asDouble()).isZero();
        // s_1 = 1 - 0.1^(1/2)
        assertThat(rounds.get(1).get("sparsity").asDouble()).isBetween(0.683, 0.685);
        double sum = 0;
        for (JsonNode r : rounds) {
            sum += r.get("train_flops").asDouble();
        }
        assertThat(s.trainFlops()).isEqualTo(sum).isGreaterThan(s.denseTrainFlops());
        assertThat(Files.readAllLines(f.metrics())).hasSize(3 * c.epochs);
        MaskSetBits m0 = MaskSetBits.read(f.dir().resolve("round-0/next-mask.bin"));
        MaskSetBits m1 = MaskSetBits.read(f.dir().resolve("round-1/next-mask.bin"));
        assertThat(m1.isSubsetOf(m0)).isTrue();
        assertThat(m1.count()).isLessThan(m0.count());
    }

    @Test
    void resumesAcrossRoundsWithIdenticalFigures() throws IOException {
        TrainConfig c = config();
        RunFolder f = RunFolder.open(tmp.resolve("a"), RunFolder.Mode.NEW);
        RunSummary whole = LotteryTicketSearch.run(c, data(), f, false, Progress.silent());
        try (Stream<Path> walk = Files.walk(f.dir().resolve("round-2"))) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Files.delete(f.summary());
        RunSummary resumed =
                LotteryTicketSearch.run(
                        c,
                        data(),
                        RunFolder.open(f.dir(), RunFolder.Mode.RESUME),
                        true,
                        Progress.silent());
        assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
        assertThat(resumed.trainFlops()).isEqualTo(whole.trainFlops());
    }

    @Test
    void rewindStepBeyondTheRunIsAUserError() {
        TrainConfig c = config();
        c.rewindStep = 10_000;
        assertThatThrownBy(
                        () ->
                                LotteryTicketSearch.run(
                                        c,
                                        data(),
                                        RunFolder.open(tmp.resolve("b"), RunFolder.Mode.NEW),
                                        false,
                                        Progress.silent()))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("rewind_step 10000");
    }

    /** Reads a saved mask file as one flat bit vector. */
    record MaskSetBits(boolean[] bits) {
        static MaskSetBits read(Path file) throws IOException {
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
                int layers = in.readInt();
                java.util.List<Boolean> all = new java.util.ArrayList<>();
                for (int k = 0; k < layers; k++) {
                    in.readUTF();
                    int len = in.readInt();
                    byte[] packed = new byte[(len + 7) / 8];
                    in.readFully(packed);
                    for (int i = 0; i < len; i++) {
                        all.add((packed[i >> 3] & (1 << (i & 7))) != 0);
                    }
                }
                boolean[] b = new boolean[all.size()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = all.get(i);
                }
                return new MaskSetBits(b);
            }
        }

        long count() {
            long n = 0;
            for (boolean x : bits) {
                n += x ? 1 : 0;
            }
            return n;
        }

        boolean isSubsetOf(MaskSetBits other) {
            for (int i = 0; i < bits.length; i++) {
                if (bits[i] && !other.bits[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
