package dev.sprig.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.sprig.SprigException;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.ParameterRole;
import dev.sprig.models.SprigModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptTest {
    /**
     * Every kind of op the zoo records: bias convs, pooling (padded too), BN, residual sums,
     * grouped convs.
     */
    private static final List<String> MODELS =
            List.of(
                    "lenet-300-100",
                    "lenet-5",
                    "vgg-11",
                    "resnet-20",
                    "preresnet-29",
                    "wrn-16-2",
                    "mobilenet-v1",
                    "resnet-18");

    @TempDir Path tmp;

    private static SprigModel randomised(String name, int channels, int size) {
        return randomised(name, channels, size, 11);
    }

    private static SprigModel randomised(String name, int channels, int size, long seed) {
        SprigModel m = ModelZoo.create(name, channels, size, 10, 0.25, Device.cpu(), 3, 1f);
        SplittableRandom r = new SplittableRandom(seed);
        for (NamedParameter p : m.parameters().values()) {
            float[] v = p.array().toFloatArray();
            for (int i = 0; i < v.length; i++) {
                // Non-trivial BN statistics, so a swapped mean/variance or a wrong ε shows.
                v[i] =
                        p.role() == ParameterRole.RUNNING_VAR
                                ? (float) (0.5 + r.nextDouble())
                                : (float) (r.nextGaussian() * 0.3);
            }
            // Zeros, as a pruned weight holds them.
            if (p.role() == ParameterRole.WEIGHT) {
                for (int i = 0; i < v.length; i += 3) {
                    v[i] = 0;
                }
            }
            p.array().set(v);
        }
        return m;
    }

    private static float[] viaEngine(Path file, NDArray x)
            throws IOException, MalformedModelException {
        String name = file.getFileName().toString().replace(".pt", "");
        try (Model model = Model.newInstance(name, x.getDevice(), "PyTorch")) {
            model.load(file.getParent(), name);
            NDList out =
                    model.getBlock()
                            .forward(
                                    new ParameterStore(x.getManager(), false),
                                    new NDList(x),
                                    false);
            return out.singletonOrThrow().toFloatArray();
        }
    }

    private static void assertClose(String what, float[] got, float[] want) {
        assertThat(got).as(what).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i])
                    .as(what + " output " + i)
                    .isCloseTo(want[i], within(1e-4f + 1e-4f * Math.abs(want[i])));
        }
    }

    @Test
    void everyZooArchitectureRunsInTheEngineAsTorchScriptWithTheSameOutputs() throws Exception {
        for (String name : MODELS) {
            boolean mlp = name.equals("lenet-300-100");
            int channels = name.startsWith("lenet") ? 1 : 3;
            int size = name.startsWith("lenet") ? 28 : 32;
            Path file = tmp.resolve(name).resolve("model.pt");
            try (SprigModel model = randomised(name, channels, size);
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                TorchScript.write(model, file);
                NDArray x = m.randomNormal(new Shape(3, channels, size, size));
                assertClose(
                        name + (mlp ? " (mlp)" : ""),
                        viaEngine(file, x),
                        model.forward(x, false).toFloatArray());
            }
        }
    }

    @Test
    void anEnsembleIsOneModuleReturningItsMembersMeanProbabilities() throws Exception {
        try (SprigModel a = randomised("resnet-20", 3, 32, 1);
                SprigModel b = randomised("resnet-20", 3, 32, 2);
                SprigModel c = randomised("resnet-20", 3, 32, 3);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Path file = tmp.resolve("ens/ensemble.pt");
            TorchScript.write(List.of(a, b, c), file);
            NDArray x = m.randomNormal(new Shape(4, 3, 32, 32));
            NDArray mean =
                    a.forward(x, false)
                            .softmax(1)
                            .add(b.forward(x, false).softmax(1))
                            .add(c.forward(x, false).softmax(1))
                            .div(3);
            float[] got = viaEngine(file, x);
            assertClose("ensemble", got, mean.toFloatArray());
            // members differ, so the mean is no single member's output
            assertThat(got).isNotEqualTo(a.forward(x, false).softmax(1).toFloatArray());
            String code = TorchScript.code(List.of(a, b, c));
            assertThat(code)
                    .startsWith("class SprigEnsemble(Module):")
                    .contains("m1_conv1_weight : Tensor", "m3_fc_bias : Tensor");
        }
    }

    @Test
    void sameWeightsGiveTheSameBytesAndEntriesAreAligned() throws Exception {
        try (SprigModel model = randomised("resnet-20", 3, 32)) {
            Path a = tmp.resolve("a/model.pt");
            Path b = tmp.resolve("b/model.pt");
            TorchScript.write(model, a);
            TorchScript.write(model, b);
            assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
            List<Long> offsets = dataOffsets(a);
            // version, constants, code, data.pkl, then one storage per parameter
            assertThat(offsets).hasSize(4 + model.parameters().size());
            assertThat(offsets).allSatisfy(o -> assertThat(o % 64).isZero());
            assertThat(Files.list(a.getParent()).map(p -> p.getFileName().toString()))
                    .containsExactly("model.pt");
        }
    }

    @Test
    void theSourceReadsLikeTheNetwork() {
        try (SprigModel model = randomised("resnet-20", 3, 32)) {
            String code = TorchScript.code(model, TorchScript.attributeNames(model));
            assertThat(code)
                    .startsWith("class SprigNet(Module):\n")
                    .contains("layer1_0_conv1_weight : Tensor")
                    .contains("torch.conv2d(x, self.conv1_weight, None, [1, 1], [1, 1], [1, 1], 1)")
                    .contains("self.bn1_running_mean, self.bn1_running_var, self.training")
                    // the first block of stage 2 projects its shortcut with a strided 1x1 conv
                    .contains("self.layer2_0_shortcut_conv_weight, None, [2, 2], [0, 0]")
                    .contains("torch.mean(");
            assertThat(code.lines().filter(l -> l.contains("torch.add(")).count()).isEqualTo(9);
            assertThat(code)
                    .containsPattern("__buffers__ = \\[(\"[a-z0-9_]+_running_(mean|var)\", )+\\]");
        }
    }

    @Test
    void aWrappedNetworkIsRefusedWithAMessage() {
        SequentialBlock user =
                new SequentialBlock()
                        .add(Blocks.batchFlattenBlock())
                        .add(Linear.builder().setUnits(16).build())
                        .add(Activation.reluBlock())
                        .add(Linear.builder().setUnits(10).build());
        try (SprigModel model = SprigModel.wrap("user-mlp", user, 1, 28, 10, Device.cpu())) {
            assertThatThrownBy(() -> TorchScript.write(model, tmp.resolve("u/model.pt")))
                    .isInstanceOf(SprigException.class)
                    .hasMessageContaining("use the djl format");
        }
    }

    /**
     * The archive also loads in PyTorch itself (Debian's python3-torch 1.13, an older release than
     * the engine's), so a Python user needs nothing from Sprig. Skipped where it is not installed.
     */
    @Test
    void pythonTorchLoadsTheArchiveAndComputesTheSameOutputs() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(
                Files.isExecutable(python)
                        && run(List.of(python.toString(), "-c", "import torch")) == 0,
                "python3-torch is not installed (apt-get install python3-torch): skipping the"
                        + " PyTorch load check");
        Path script = tmp.resolve("check.py");
        Files.writeString(
                script,
                String.join(
                        "\n",
                        "import sys, struct, torch",
                        "m = torch.jit.load(sys.argv[1]).eval()",
                        "n, c, s = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])",
                        "raw = open(sys.argv[2], 'rb').read()",
                        "x = torch.tensor(struct.unpack('<%df' % (len(raw) // 4), raw)).reshape(n,"
                                + " c, s, s)",
                        "with torch.no_grad():",
                        "    y = m(x)",
                        "open(sys.argv[6], 'wb').write(struct.pack('<%df' % y.numel(),"
                                + " *y.flatten().tolist()))",
                        ""));
        for (String name : List.of("vgg-11", "resnet-20", "mobilenet-v1", "ensemble")) {
            Path dir = tmp.resolve("py-" + name);
            boolean ensemble = name.equals("ensemble");
            try (SprigModel model = randomised(ensemble ? "vgg-11" : name, 3, 32);
                    SprigModel other = randomised("vgg-11", 3, 32, 5);
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                Path file = dir.resolve("model.pt");
                TorchScript.write(ensemble ? List.of(model, other) : List.of(model), file);
                NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
                NDArray want =
                        ensemble
                                ? model.forward(x, false)
                                        .softmax(1)
                                        .add(other.forward(x, false).softmax(1))
                                        .div(2)
                                : model.forward(x, false);
                Path in = dir.resolve("x.bin");
                Path out = dir.resolve("y.bin");
                Files.write(in, bytes(x.toFloatArray()));
                int rc =
                        run(
                                List.of(
                                        python.toString(),
                                        script.toString(),
                                        file.toString(),
                                        in.toString(),
                                        "2",
                                        "3",
                                        "32",
                                        out.toString()));
                assertThat(rc).as(name + ": python exit status").isZero();
                assertClose(
                        name + " in python", floats(Files.readAllBytes(out)), want.toFloatArray());
            }
        }
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.err.println(output);
        }
        return p.exitValue();
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static float[] floats(byte[] raw) {
        float[] v = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    /** Data offsets of the zip's entries, read from their local headers. */
    private static List<Long> dataOffsets(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> offsets = new ArrayList<>();
        int pos = 0;
        while (pos + 30 <= all.length && b.getInt(pos) == 0x04034b50) {
            int nameLength = b.getShort(pos + 26) & 0xffff;
            int extraLength = b.getShort(pos + 28) & 0xffff;
            int size = b.getInt(pos + 18);
            long data = pos + 30L + nameLength + extraLength;
            offsets.add(data);
            pos = (int) (data + size);
        }
        return offsets;
    }
}
