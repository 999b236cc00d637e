package dev.sprig.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.sprig.SprigException;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.SprigModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchImportTest {
    @TempDir Path tmp;

    private static SprigModel model(String name, long seed) {
        SprigModel m = ModelZoo.create(name, 3, 32, 10, 0.25, Device.cpu(), seed, 1f);
        SplittableRandom r = new SplittableRandom(seed);
        for (NamedParameter p : m.parameters().values()) {
            float[] v = p.array().toFloatArray();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.5 + r.nextDouble()); // also positive: valid BN variances
            }
            dev.sprig.models.HostValues.write(p.array(), v);
        }
        return m;
    }

    private static void assertSameParameters(SprigModel a, SprigModel b) {
        for (NamedParameter p : a.parameters().values()) {
            assertThat(b.parameters().get(p.name()).array().toFloatArray())
                    .as(p.name())
                    .containsExactly(p.array().toFloatArray());
        }
    }

    @Test
    void aStateDictRoundTripsInPyTorchsNames() {
        Path file = tmp.resolve("sd.pt");
        try (SprigModel a = model("resnet-20", 1);
                SprigModel b = model("resnet-20", 2)) {
            TorchArchive.writeStateDict(a, file);
            Map<String, TorchArchive.Tensor> read = TorchArchive.read(file);
            assertThat(read)
                    .containsKeys(
                            "conv1.weight",
                            "bn1.weight",
                            "bn1.bias",
                            "bn1.running_mean",
                            "bn1.running_var",
                            "bn1.num_batches_tracked",
                            "layer2.0.shortcut.conv.weight",
                            "fc.weight",
                            "fc.bias");
            assertThat(read.get("bn1.num_batches_tracked").dtype()).isEqualTo("LongStorage");
            assertThat(read.get("layer1.0.conv1.weight").shape()).containsExactly(4, 4, 3, 3);
            Map<String, String> mapping = TorchNames.load(read, b, file.toString());
            assertThat(mapping).containsEntry("bn1.gamma", "bn1.weight");
            assertSameParameters(a, b);
        }
    }

    @Test
    void sprigsTorchScriptArchivesImportToo() {
        Path file = tmp.resolve("model.pt");
        try (SprigModel a = model("wrn-16-2", 3);
                SprigModel b = model("wrn-16-2", 4)) {
            TorchScript.write(a, file);
            TorchNames.load(TorchArchive.read(file), b, file.toString());
            assertSameParameters(a, b);
        }
    }

    /** Renames a state_dict's keys as a family's usual PyTorch code names them. */
    private static Map<String, TorchArchive.Tensor> renamed(
            Map<String, TorchArchive.Tensor> sd, Map<String, String> renames) {
        Map<String, TorchArchive.Tensor> out = new LinkedHashMap<>();
        sd.forEach(
                (k, v) -> {
                    String n = k;
                    for (Map.Entry<String, String> r : renames.entrySet()) {
                        n = n.replaceAll(r.getKey(), r.getValue());
                    }
                    out.put(n, v);
                });
        return out;
    }

    @Test
    void theUsualPyTorchNamesOfEachFamilyMapToTheZoo() {
        Map<String, Map<String, String>> families =
                Map.of(
                        // kuangliu/pytorch-cifar and the RigL/Early-Bird CIFAR ResNets
                        "resnet-20",
                        Map.of(
                                "shortcut\\.conv",
                                "shortcut.0",
                                "shortcut\\.bn",
                                "shortcut.1",
                                "^fc\\.",
                                "linear."),
                        // torchvision
                        "resnet-18",
                        Map.of(
                                "downsample\\.conv",
                                "downsample.0",
                                "downsample\\.bn",
                                "downsample.1"),
                        // xternalz/WideResNet-pytorch
                        "wrn-16-2",
                        Map.of(
                                "^block(\\d)\\.(\\d+)\\.",
                                "block$1.layer.$2.",
                                "shortcut\\.conv",
                                "convShortcut",
                                "^bn\\.",
                                "bn1."),
                        // kuangliu MobileNet
                        "mobilenet-v1",
                        Map.of(
                                "\\.dw\\.",
                                ".conv1.",
                                "\\.dw_bn\\.",
                                ".bn1.",
                                "\\.pw\\.",
                                ".conv2.",
                                "\\.pw_bn\\.",
                                ".bn2.",
                                "^fc\\.",
                                "linear."));
        for (Map.Entry<String, Map<String, String>> f : families.entrySet()) {
            Path file = tmp.resolve(f.getKey() + ".pt");
            try (SprigModel a = model(f.getKey(), 5);
                    SprigModel b = model(f.getKey(), 6)) {
                TorchArchive.writeStateDict(a, file);
                Map<String, TorchArchive.Tensor> theirs =
                        renamed(TorchArchive.read(file), f.getValue());
                assertThat(theirs.keySet())
                        .as(f.getKey())
                        .isNotEqualTo(TorchArchive.read(file).keySet());
                TorchArchive.write(theirs, file);
                TorchNames.load(TorchArchive.read(file), b, file.toString());
                assertSameParameters(a, b);
            }
        }
    }

    @Test
    void aVggWhoseFeaturesAreOneSequentialMatchesByOrder() {
        Path file = tmp.resolve("vgg.pt");
        try (SprigModel a = model("vgg-11", 7);
                SprigModel b = model("vgg-11", 8)) {
            TorchArchive.writeStateDict(a, file);
            // torchvision-style numbering: conv, bn, relu (+ pool) per entry of the Sequential.
            Map<String, TorchArchive.Tensor> theirs = new LinkedHashMap<>();
            int[] pools = {1, 1, 0, 1, 0, 1, 0, 1};
            int index = 0;
            int conv = -1;
            for (Map.Entry<String, TorchArchive.Tensor> e : TorchArchive.read(file).entrySet()) {
                String k = e.getKey();
                if (k.matches("features\\.\\d+\\.conv\\.weight")) {
                    conv++;
                    index = conv == 0 ? 0 : index + 3 + pools[conv - 1];
                    theirs.put("features." + index + ".weight", e.getValue());
                } else if (k.startsWith("features.")) {
                    theirs.put(
                            "features." + (index + 1) + k.substring(k.lastIndexOf('.')),
                            e.getValue());
                } else {
                    theirs.put(k, e.getValue());
                }
            }
            TorchArchive.write(theirs, file);
            TorchNames.load(TorchArchive.read(file), b, file.toString());
            assertSameParameters(a, b);
        }
    }

    @Test
    void anArchiveThatDoesNotFitIsRefusedWithWhatDiffersAndLoadsNothing() {
        Path file = tmp.resolve("bad.pt");
        try (SprigModel a = model("resnet-20", 9);
                SprigModel b = model("resnet-20", 10)) {
            TorchArchive.writeStateDict(a, file);
            Map<String, TorchArchive.Tensor> sd = new LinkedHashMap<>(TorchArchive.read(file));
            sd.remove("layer3.2.conv2.weight");
            sd.put(
                    "fc.weight",
                    new TorchArchive.Tensor(new long[] {100, 16}, new float[1600], "FloatStorage"));
            sd.put(
                    "head.weight",
                    new TorchArchive.Tensor(new long[] {2}, new float[2], "FloatStorage"));
            TorchArchive.write(sd, file);
            float[] before = b.parameters().get("conv1.weight").array().toFloatArray();
            assertThatThrownBy(() -> TorchNames.load(TorchArchive.read(file), b, "bad.pt"))
                    .isInstanceOf(SprigException.class)
                    .hasMessageContaining(
                            "1 parameter(s) not in the archive: " + "layer3.2.conv2.weight")
                    .hasMessageContaining("fc.weight: [100, 16], fc.weight needs [10, 16]")
                    .hasMessageContaining("head.weight [2]");
            assertThat(b.parameters().get("conv1.weight").array().toFloatArray())
                    .containsExactly(before);
        }
    }

    @Test
    void notAnArchiveIsOneClearError() throws Exception {
        Path text = tmp.resolve("notes.pt");
        Files.writeString(text, "hello");
        assertThatThrownBy(() -> TorchArchive.read(text))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining("not a zip archive");
        assertThatThrownBy(() -> TorchArchive.read(tmp.resolve("none.pt")))
                .hasMessageContaining("no PyTorch archive at");
    }

    @Test
    void halfPrecisionValuesDecodeExactly() {
        assertThat(TorchArchive.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(TorchArchive.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(TorchArchive.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(TorchArchive.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(TorchArchive.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(TorchArchive.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    /**
     * An archive {@code torch.save} itself wrote (Debian's python3-torch): a CIFAR ResNet in
     * kuangliu's names, in float16 and with a {@code DataParallel} prefix, inside a training
     * checkpoint, as people share them.
     */
    @Test
    void archivesTorchSaveWritesImport() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(
                Files.isExecutable(python)
                        && run(List.of(python.toString(), "-c", "import torch")) == 0,
                "python3-torch is not installed: skipping the torch.save check");
        try (SprigModel a = model("resnet-20", 11);
                SprigModel b = model("resnet-20", 12)) {
            Path ours = tmp.resolve("ours.pt");
            TorchArchive.writeStateDict(a, ours);
            Path theirs = tmp.resolve("theirs.pt");
            String script =
                    "import torch, sys\n"
                        + "sd = torch.load(sys.argv[1])\n"
                        + "out = {}\n"
                        + "for k, v in sd.items():\n"
                        + "    k = k.replace('shortcut.conv', 'shortcut.0').replace('shortcut.bn',"
                        + " 'shortcut.1')\n"
                        + "    out['module.' + k] = v.double() if v.is_floating_point() else v\n"
                        + "torch.save({'epoch': 3, 'state_dict': out}, sys.argv[2])\n";
            assertThat(
                            run(
                                    List.of(
                                            python.toString(),
                                            "-c",
                                            script,
                                            ours.toString(),
                                            theirs.toString())))
                    .isZero();
            TorchNames.load(TorchArchive.read(theirs), b, theirs.toString());
            assertSameParameters(a, b);
        }
    }

    private static int run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(System.err);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
