package dev.sprig.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.sprig.SprigException;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.SprigModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint format's lengths and checksums, byte by byte. */
class CheckpointFormatTest {
    @TempDir Path tmp;

    private static Checkpoint.State state() {
        return new Checkpoint.State(
                3,
                7,
                1234,
                5e9,
                9e9,
                1.5,
                40,
                64,
                2.5,
                99.0,
                0.75,
                2,
                List.of("{\"epoch\":1}", "{\"epoch\":2}"));
    }

    @Test
    void aSavedStateLoadsBackWholeIntoAModelOfTheSameShape() {
        Path file = tmp.resolve("a.ckpt");
        try (SprigModel a = ModelZoo.create("lenet-300-100", 1, 28, 10, 0.05, Device.cpu(), 1, 1f);
                SprigModel b =
                        ModelZoo.create("lenet-300-100", 1, 28, 10, 0.05, Device.cpu(), 2, 1f)) {
            Checkpoint.save(file, state(), a, new SgdOptimizer(0.9, false, 0), List.of());
            Checkpoint.State s =
                    Checkpoint.load(file, b, new SgdOptimizer(0.9, false, 0), List.of());
            assertThat(s).isEqualTo(state());
            assertThat(b.parameters().get("fc1.weight").array().toFloatArray())
                    .containsExactly(a.parameters().get("fc1.weight").array().toFloatArray());
            Checkpoint.Contents c = Checkpoint.read(file);
            assertThat(c.backend()).isEqualTo(Checkpoint.ENGINE);
            assertThat(c.verified()).isTrue();
            assertThat(Checkpoint.ofRun(file)).isEqualTo(file);
        }
    }

    @Test
    void aLengthPastTheEndIsNamedWithWhatRemains() throws Exception {
        Path file = tmp.resolve("b.ckpt");
        try (SprigModel a =
                ModelZoo.create("lenet-300-100", 1, 28, 10, 0.05, Device.cpu(), 1, 1f)) {
            Checkpoint.save(file, state(), a, new SgdOptimizer(0.9, false, 0), List.of());
        }
        byte[] bytes = Files.readAllBytes(file);
        // Layout: UTF magic (2 + 16 bytes), version (4), then the state block's length.
        int at = 2 + Checkpoint.MAGIC.length() + 4;
        int remaining = bytes.length - at - 4;
        ByteBuffer.wrap(bytes, at, 4).putInt(remaining - 8 + 1);
        Files.write(file, bytes);
        assertThatThrownBy(() -> Checkpoint.read(file))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining(
                        "its loop state claims "
                                + (remaining - 7)
                                + " bytes, "
                                + (remaining - 8)
                                + " remain");
    }

    @Test
    void floatArraysCheckTheirLengthAgainstTheBytesLeft() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Checkpoint.writeFloats(new DataOutputStream(bytes), new float[] {1, -2, 3.5f});
        byte[] exact = bytes.toByteArray();
        assertThat(Checkpoint.readFloats(new DataInputStream(new ByteArrayInputStream(exact))))
                .containsExactly(1, -2, 3.5f);
        byte[] longer = exact.clone();
        ByteBuffer.wrap(longer).putInt(4);
        assertThatThrownBy(
                        () ->
                                Checkpoint.readFloats(
                                        new DataInputStream(new ByteArrayInputStream(longer))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("an array of 4 floats does not fit the 12 bytes left");
        byte[] lengths = new byte[8];
        ByteBuffer.wrap(lengths).putInt(4).putInt(0);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(lengths));
        in.readInt();
        assertThat(Checkpoint.checkedLength(4, in)).isEqualTo(4);
        assertThatThrownBy(() -> Checkpoint.checkedLength(5, in))
                .hasMessageContaining("a length of 5 bytes does not fit the file");
        assertThatThrownBy(() -> Checkpoint.checkedLength(-1, in))
                .hasMessageContaining("a length of -1 bytes");
    }
}
