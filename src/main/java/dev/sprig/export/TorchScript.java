package dev.sprig.export;

import dev.sprig.SprigException;
import dev.sprig.models.LayerSpec;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.NetOp;
import dev.sprig.models.ParameterRole;
import dev.sprig.models.SprigModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a zoo network as a TorchScript archive that {@code torch.jit.load} (Python, C++, or DJL's
 * PyTorch engine) runs without Sprig.
 *
 * <p>The engine cannot script a network built from Java blocks, and no PyTorch is needed here: a
 * TorchScript archive is a zip of three plain parts, each written directly. {@code code/} holds the
 * module's class in TorchScript's Python subset, translated from the network's recorded {@link
 * NetOp}s into calls of the ATen operators the engine itself ran ({@code torch.conv2d}, {@code
 * torch.batch_norm}, ...); {@code data.pkl} is a pickle (protocol 2) of the module object whose
 * tensors point into {@code data/N}, raw little-endian float32 storages. The layout and format
 * version (3) are those PyTorch 1.13 writes for such a module, which every later release still
 * reads; entries are stored uncompressed at 64-byte offsets, as PyTorch aligns them for memory
 * mapping, and with a fixed timestamp, so the same weights give the same bytes. Checked: LibTorch
 * 2.7.1 (the engine), PyTorch 1.13 and 2.11 (CUDA) load these files and compute what Sprig
 * computes.
 *
 * <p>The module is one class, {@code SprigNet}, with every parameter as a flat attribute: Sprig's
 * dotted names with dots turned into underscores ({@code layer1.0.conv1.weight} becomes {@code
 * layer1_0_conv1_weight}); BN running statistics are buffers. Pruned weights are stored dense with
 * their zeros (TorchScript has no sparse parameters); use the CSR export for size.
 *
 * <p>An ensemble is one module too ({@code SprigEnsemble}): its members' parameters carry the
 * prefixes {@code m1_}, {@code m2_}, ... and its output is their mean softmax probability.
 */
final class TorchScript {
    static final String CLASS_NAME = "SprigNet";
    static final String ENSEMBLE_CLASS_NAME = "SprigEnsemble";

    private TorchScript() {}

    /**
     * Writes a model's TorchScript archive, atomically. Its {@code forward} returns logits.
     *
     * @param model a zoo model (its recorded ops are translated)
     * @param file the {@code .pt} file to write
     * @return the bytes written
     */
    static long write(SprigModel model, Path file) {
        return write(List.of(model), file);
    }

    /**
     * Writes one TorchScript archive for one model or a whole ensemble, atomically. A single
     * model's {@code forward} returns its logits; an ensemble's returns the mean of its members'
     * softmax probabilities, the FreeTickets prediction, so a user deploys one file.
     *
     * @param members zoo models, one or more
     * @param file the {@code .pt} file to write
     * @return the bytes written
     */
    static long write(List<SprigModel> members, Path file) {
        for (SprigModel model : members) {
            if (model.ops().isEmpty()
                    || model.ops().stream().anyMatch(op -> op instanceof NetOp.Opaque)) {
                throw new SprigException(
                        model.architecture()
                                + " was not built by Sprig's model zoo: its forward computation is"
                                + " unknown, so it cannot be written as TorchScript (use the djl"
                                + " format)");
            }
        }
        Map<String, NamedParameter> attributes = new LinkedHashMap<>();
        for (int i = 0; i < members.size(); i++) {
            attributes.putAll(
                    attributeNames(members.get(i), members.size() == 1 ? "" : "m" + (i + 1) + "_"));
        }
        String code = code(members);
        String archive = "model";
        return TorchZip.write(
                file,
                zip -> {
                    zip.put(archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
                    zip.put(archive + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
                    zip.put(archive + "/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
                    zip.put(archive + "/data.pkl", modulePickle(className(members), attributes));
                    int key = 0;
                    for (NamedParameter p : attributes.values()) {
                        zip.put(archive + "/data/" + key++, littleEndian(p.array().toFloatArray()));
                    }
                });
    }

    private static String className(List<SprigModel> members) {
        return members.size() == 1 ? CLASS_NAME : ENSEMBLE_CLASS_NAME;
    }

    /** Maps each TorchScript attribute name to its parameter, in the model's parameter order. */
    static Map<String, NamedParameter> attributeNames(SprigModel model) {
        return attributeNames(model, "");
    }

    private static Map<String, NamedParameter> attributeNames(SprigModel model, String prefix) {
        Map<String, NamedParameter> out = new LinkedHashMap<>();
        for (NamedParameter p : model.parameters().values()) {
            String name = prefix + p.name().replaceAll("[^A-Za-z0-9_]", "_");
            if (Character.isDigit(name.charAt(0))) {
                name = "p_" + name;
            }
            if (out.put(name, p) != null) {
                throw new SprigException(
                        "two parameters of "
                                + model.architecture()
                                + " map to TorchScript attribute "
                                + name);
            }
        }
        return out;
    }

    private static boolean isBuffer(NamedParameter p) {
        return p.role() == ParameterRole.RUNNING_MEAN || p.role() == ParameterRole.RUNNING_VAR;
    }

    /** The module's class, in TorchScript's serialised source form. */
    static String code(SprigModel model, Map<String, NamedParameter> attributes) {
        return code(List.of(model), List.of(attributes));
    }

    /**
     * The class of a single model or an ensemble, as {@link #write(List, Path)} names its
     * attributes.
     */
    static String code(List<SprigModel> members) {
        List<Map<String, NamedParameter>> perMember = new java.util.ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            perMember.add(
                    attributeNames(members.get(i), members.size() == 1 ? "" : "m" + (i + 1) + "_"));
        }
        return code(members, perMember);
    }

    private static String code(
            List<SprigModel> members, List<Map<String, NamedParameter>> perMember) {
        Map<String, NamedParameter> attributes = new LinkedHashMap<>();
        perMember.forEach(attributes::putAll);
        String className = className(members);
        StringBuilder s = new StringBuilder();
        s.append("class ").append(className).append("(Module):\n");
        s.append("  __parameters__ = [");
        attributes.forEach(
                (name, p) -> {
                    if (!isBuffer(p)) {
                        s.append('"').append(name).append("\", ");
                    }
                });
        s.append("]\n  __buffers__ = [");
        attributes.forEach(
                (name, p) -> {
                    if (isBuffer(p)) {
                        s.append('"').append(name).append("\", ");
                    }
                });
        s.append("]\n");
        attributes.keySet().forEach(name -> s.append("  ").append(name).append(" : Tensor\n"));
        s.append("  training : bool\n");
        s.append("  _is_full_backward_hook : Optional[bool]\n");
        s.append("  def forward(self: __torch__.")
                .append(className)
                .append(",\n    x: Tensor) -> Tensor:\n");
        Translator t = new Translator(s);
        List<String> outputs = new java.util.ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Map<String, String> attributeOf = new LinkedHashMap<>();
            perMember.get(i).forEach((name, p) -> attributeOf.put(p.name(), "self." + name));
            outputs.add(t.emit(members.get(i).ops(), "x", attributeOf));
        }
        String result = outputs.get(0);
        if (members.size() > 1) {
            String sum = t.assign("torch.softmax(" + outputs.get(0) + ", 1)");
            for (int i = 1; i < outputs.size(); i++) {
                sum = t.assign("torch.add(" + sum + ", torch.softmax(" + outputs.get(i) + ", 1))");
            }
            result = t.assign(String.format(Locale.ROOT, "torch.div(%s, %d)", sum, members.size()));
        }
        s.append("    return ").append(result).append('\n');
        return s.toString();
    }

    /** Turns ops into one assignment per op, naming each intermediate value afresh. */
    private static final class Translator {
        private final StringBuilder out;
        private Map<String, String> attributeOf = Map.of();
        private int next;

        Translator(StringBuilder out) {
            this.out = out;
        }

        String emit(List<NetOp> ops, String input, Map<String, String> attributes) {
            attributeOf = attributes;
            return emit(ops, input);
        }

        private String emit(List<NetOp> ops, String input) {
            String x = input;
            for (NetOp op : ops) {
                x = emit(op, x);
            }
            return x;
        }

        private String emit(NetOp op, String x) {
            if (op instanceof NetOp.Conv c) {
                LayerSpec l = c.spec();
                return assign(
                        String.format(
                                Locale.ROOT,
                                "torch.conv2d(%s, %s, %s, [%d, %d], [%d, %d], [1, 1], %d)",
                                x,
                                param(l, "weight"),
                                l.bias() ? param(l, "bias") : "None",
                                l.stride(),
                                l.stride(),
                                c.pad(),
                                c.pad(),
                                l.groups()));
            }
            if (op instanceof NetOp.BatchNorm b) {
                LayerSpec l = b.spec();
                return assign(
                        String.format(
                                Locale.ROOT,
                                "torch.batch_norm(%s, %s, %s, %s, %s, self.training,"
                                        + " 0.10000000000000001, 1.0000000000000001e-05, True)",
                                x,
                                param(l, "gamma"),
                                param(l, "beta"),
                                param(l, "running_mean"),
                                param(l, "running_var")));
            }
            if (op instanceof NetOp.Linear f) {
                return assign(
                        String.format(
                                Locale.ROOT,
                                "torch.linear(%s, %s, %s)",
                                x,
                                param(f.spec(), "weight"),
                                param(f.spec(), "bias")));
            }
            if (op instanceof NetOp.Relu) {
                return assign("torch.relu(" + x + ")");
            }
            if (op instanceof NetOp.MaxPool p) {
                return assign(
                        String.format(
                                Locale.ROOT,
                                "torch.max_pool2d(%s, [%d, %d], [%d, %d], [%d, %d], [1, 1], False)",
                                x,
                                p.kernel(),
                                p.kernel(),
                                p.stride(),
                                p.stride(),
                                p.pad(),
                                p.pad()));
            }
            if (op instanceof NetOp.GlobalAvgPool) {
                return assign("torch.mean(" + x + ", [2, 3])");
            }
            if (op instanceof NetOp.Flatten) {
                return assign("torch.flatten(" + x + ", 1)");
            }
            NetOp.Residual r = (NetOp.Residual) op;
            String shortcut = emit(r.shortcut(), x);
            String main = emit(r.main(), x);
            String sum = assign("torch.add(" + main + ", " + shortcut + ")");
            return r.reluAfter() ? assign("torch.relu(" + sum + ")") : sum;
        }

        private String param(LayerSpec layer, String role) {
            String a = attributeOf.get(layer.name() + "." + role);
            if (a == null) {
                throw new IllegalStateException(layer.name() + " has no parameter " + role);
            }
            return a;
        }

        String assign(String expression) {
            String name = "x" + next++;
            out.append("    ").append(name).append(" = ").append(expression).append('\n');
            return name;
        }
    }

    /** The module object: its class, its tensors (pointing into {@code data/N}) and its flags. */
    static byte[] modulePickle(String className, Map<String, NamedParameter> attributes) {
        TorchPickle p = new TorchPickle();
        p.global("__torch__", className).op(')').op(0x81).op('}').op('(');
        int key = 0;
        for (Map.Entry<String, NamedParameter> e : attributes.entrySet()) {
            p.string(e.getKey());
            p.tensor(
                    "FloatStorage",
                    key++,
                    e.getValue().array().getShape().getShape(),
                    !isBuffer(e.getValue()));
        }
        p.string("training").op(0x89);
        p.string("_is_full_backward_hook").op('N');
        p.op('u').op('b').op('.');
        return p.bytes();
    }

    static byte[] littleEndian(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }
}
