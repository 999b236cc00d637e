package dev.sprig.export;

import dev.sprig.SprigException;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.ParameterRole;
import dev.sprig.models.SprigModel;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import net.razorvine.pickle.objects.ClassDict;

/**
 * PyTorch's archive format ({@code torch.save} since 1.6, and TorchScript's {@code torch.jit.save})
 * read and written without Python: a zip whose {@code PREFIX/data.pkl} is a pickle of the saved
 * object, with each tensor's storage in {@code PREFIX/data/KEY} as raw little-endian values.
 *
 * <p>The pickle is read by Pyrolite (a maintained Java unpickler); this class supplies what only
 * PyTorch defines: the persistent ids that point at storages, the storage types (float32, float64,
 * float16, bfloat16 and the integer types, all read into float32), and {@code _rebuild_tensor_v2},
 * which views a storage with an offset, a shape and strides. A {@code state_dict}, a training
 * checkpoint that holds one under {@code state_dict} or {@code model}, and a TorchScript module
 * (its attributes, nested modules flattened with dots) all read as one ordered map from name to
 * tensor.
 *
 * <p>{@link #writeStateDict} writes a network's {@code state_dict} in PyTorch's names ({@code
 * weight}, {@code bias}, and for batch norm {@code running_mean}, {@code running_var}, {@code
 * num_batches_tracked}), which {@code model.load_state_dict(torch.load(file))} reads into a PyTorch
 * module with the same layer names.
 */
public final class TorchArchive {
    private TorchArchive() {}

    /**
     * One tensor of an archive, as float32 values in row-major order.
     *
     * @param shape dimensions
     * @param values the elements
     * @param dtype PyTorch's storage type, e.g. {@code FloatStorage}
     */
    public record Tensor(long[] shape, float[] values, String dtype) {
        /**
         * Returns the shape as text, e.g. {@code [64, 3, 3, 3]}.
         *
         * @return the shape
         */
        public String shapeText() {
            return java.util.Arrays.toString(shape);
        }
    }

    /** A storage type named by the pickle ({@code torch.FloatStorage}, ...). */
    private record StorageType(String name, int bytes) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("storage types are not constructed: " + name);
        }
    }

    /** A storage read from {@code data/KEY}. */
    private record Storage(StorageType type, float[] values) {}

    private static final Map<String, StorageType> STORAGES = new HashMap<>();

    /** Opcodes followed by a length and that many bytes. */
    private static final java.util.Set<Short> LENGTH_PREFIXED =
            java.util.Set.of(
                    Opcodes.BINUNICODE,
                    Opcodes.BINUNICODE8,
                    Opcodes.BINSTRING,
                    Opcodes.BINBYTES,
                    Opcodes.BINBYTES8,
                    Opcodes.LONG4);

    static {
        for (String[] t :
                new String[][] {
                    {"FloatStorage", "4"}, {"DoubleStorage", "8"}, {"HalfStorage", "2"},
                    {"BFloat16Storage", "2"}, {"LongStorage", "8"}, {"IntStorage", "4"},
                    {"ShortStorage", "2"}, {"CharStorage", "1"}, {"ByteStorage", "1"},
                    {"BoolStorage", "1"}
                }) {
            StorageType type = new StorageType(t[0], Integer.parseInt(t[1]));
            STORAGES.put(t[0], type);
            Unpickler.registerConstructor("torch", t[0], type);
        }
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", TorchArchive::rebuild);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", TorchArchive::rebuild);
        Unpickler.registerConstructor(
                "torch._utils", "_rebuild_parameter", args -> args[0]); // (data, grad, hooks)
        Unpickler.registerConstructor("collections", "OrderedDict", args -> new StateMap());
    }

    /** An {@code OrderedDict}; the {@code _metadata} PyTorch attaches to it is dropped. */
    public static final class StateMap extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        /**
         * Receives the attributes pickled with the dict (PyTorch's {@code _metadata}).
         *
         * @param state the attributes, ignored
         */
        public void __setstate__(HashMap<?, ?> state) {
            // Versions of modules' state formats; nothing Sprig reads.
        }
    }

    private static Tensor rebuild(Object[] args) {
        if (!(args[0] instanceof Storage s)) {
            throw new PickleException("a tensor without a storage");
        }
        long offset = number(args[1]);
        Object[] size = (Object[]) args[2];
        Object[] stride = (Object[]) args[3];
        long[] shape = new long[size.length];
        long count = 1;
        for (int i = 0; i < size.length; i++) {
            shape[i] = number(size[i]);
            count *= shape[i];
        }
        if (count < 0 || count > s.values.length) {
            // A weight is a view of at most its storage; a larger count is a damaged header.
            throw new PickleException(
                    "a tensor of " + count + " elements in a storage of " + s.values.length);
        }
        float[] out = new float[(int) count];
        long[] index = new long[shape.length];
        for (int k = 0; k < out.length; k++) {
            long at = offset;
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * number(stride[d]);
            }
            if (at < 0 || at >= s.values.length) {
                throw new PickleException("a tensor reaches past its storage");
            }
            out[k] = s.values[(int) at];
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return new Tensor(shape, out, s.type.name);
    }

    private static long number(Object o) {
        if (o instanceof BigInteger b) {
            return b.longValueExact();
        }
        return ((Number) o).longValue();
    }

    /** Reads the pickle, answering PyTorch's persistent ids with storages from the zip. */
    private static final class ArchiveUnpickler extends Unpickler {
        private final ZipFile zip;
        private final String prefix;

        ArchiveUnpickler(ZipFile zip, String prefix) {
            this.zip = zip;
            this.prefix = prefix;
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            if (LENGTH_PREFIXED.contains(key)) {
                // Pyrolite allocates a declared length before reading it; check it against what
                // is left of data.pkl first, so a damaged length cannot exhaust the heap.
                readSized(key);
                return NO_RETURN_VALUE;
            }
            if (key == Opcodes.BINPERSID) {
                // Pyrolite turns the id into a string; PyTorch's id is a tuple.
                stack.add(storage(stack.pop()));
                return NO_RETURN_VALUE;
            }
            if (key == Opcodes.SETITEMS) {
                // Pyrolite gathers the items in a HashMap first, losing the state_dict's order.
                List<Object> items = stack.pop_all_since_marker();
                @SuppressWarnings("unchecked")
                Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    dict.put(items.get(i), items.get(i + 1));
                }
                return NO_RETURN_VALUE;
            }
            return super.dispatch(key);
        }

        private void readSized(short key) throws IOException {
            boolean wide = key == Opcodes.BINUNICODE8 || key == Opcodes.BINBYTES8;
            byte[] len = input.readNBytes(wide ? 8 : 4);
            if (len.length < (wide ? 8 : 4)) {
                throw new PickleException("data.pkl ends inside a length");
            }
            ByteBuffer b = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN);
            long n = wide ? b.getLong() : b.getInt() & 0xffffffffL;
            if (n > input.available()) {
                throw new PickleException(
                        "a value of "
                                + n
                                + " bytes in data.pkl, which has "
                                + input.available()
                                + " left");
            }
            byte[] data = input.readNBytes((int) n);
            switch (key) {
                case Opcodes.BINUNICODE, Opcodes.BINUNICODE8 ->
                        stack.add(new String(data, StandardCharsets.UTF_8));
                case Opcodes.BINSTRING -> stack.add(new String(data, StandardCharsets.ISO_8859_1));
                case Opcodes.LONG4 -> {
                    byte[] big = new byte[data.length];
                    for (int i = 0; i < data.length; i++) {
                        big[i] = data[data.length - 1 - i];
                    }
                    stack.add(data.length == 0 ? BigInteger.ZERO : new BigInteger(big));
                }
                default -> stack.add(data); // BINBYTES, BINBYTES8
            }
        }

        private Storage storage(Object pid) throws IOException {
            if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])) {
                throw new PickleException("unknown persistent id in " + zip.getName());
            }
            if (!(t[1] instanceof StorageType type)) {
                throw new PickleException("unknown storage type " + t[1]);
            }
            String key = t[2].toString();
            long numel = number(t[4]);
            ZipEntry e = zip.getEntry(prefix + "data/" + key);
            if (e == null) {
                throw new PickleException("storage " + key + " is missing");
            }
            if (numel < 0 || numel * type.bytes > Integer.MAX_VALUE - 8) {
                throw new PickleException("storage " + key + " declares " + numel + " values");
            }
            byte[] raw;
            try (InputStream in = zip.getInputStream(e)) {
                // Reads what is there, up to the declared size: a lying header allocates nothing.
                raw = in.readNBytes((int) (numel * type.bytes));
            }
            if (raw.length < numel * type.bytes) {
                throw new PickleException(
                        "storage "
                                + key
                                + " holds "
                                + raw.length
                                + " bytes, not "
                                + numel
                                + " values of "
                                + type.bytes);
            }
            return new Storage(
                    type,
                    decode(type, ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN), (int) numel));
        }
    }

    private static float[] decode(StorageType type, ByteBuffer b, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] =
                    switch (type.name) {
                        case "FloatStorage" -> b.getFloat();
                        case "DoubleStorage" -> (float) b.getDouble();
                        case "HalfStorage" -> halfToFloat(b.getShort());
                        case "BFloat16Storage" ->
                                Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                        case "LongStorage" -> b.getLong();
                        case "IntStorage" -> b.getInt();
                        case "ShortStorage" -> b.getShort();
                        case "CharStorage" -> b.get();
                        default -> b.get() & 0xff; // ByteStorage, BoolStorage
                    };
        }
        return v;
    }

    /** IEEE 754 binary16 to float32 (the JDK has no conversion before 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // Zero or subnormal: mant · 2^-24.
            float f = mant * 0x1p-24f;
            return sign == 0 ? f : -f;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * Reads every tensor of an archive.
     *
     * @param file a {@code torch.save} or {@code torch.jit.save} archive
     * @return tensors by name, in the archive's order ({@code module.} prefixes of {@code
     *     DataParallel} removed)
     * @throws SprigException naming the file when it is not such an archive
     */
    public static Map<String, Tensor> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new SprigException("no PyTorch archive at " + file);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String pkl = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String name = en.nextElement().getName();
                if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - 9) {
                    pkl = name;
                    break;
                }
            }
            if (pkl == null) {
                throw new SprigException(
                        file + " is a zip without data.pkl: not a PyTorch archive");
            }
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            Object root;
            try (InputStream in = zip.getInputStream(zip.getEntry(pkl))) {
                // In memory, so the unpickler can check declared lengths against what is left.
                byte[] pickle = in.readNBytes(Integer.MAX_VALUE - 8);
                root =
                        new ArchiveUnpickler(zip, prefix)
                                .load(new java.io.ByteArrayInputStream(pickle));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            flatten("", tensors(root), out);
            if (out.isEmpty()) {
                throw new SprigException(file + " holds no tensors");
            }
            return stripDataParallel(out);
        } catch (ZipException e) {
            throw new SprigException(
                    file
                            + " is not a zip archive; PyTorch before 1.6 wrote another format: load"
                            + " it and save it again with torch.save (the zip format)");
        } catch (SprigException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Untrusted bytes: whatever the unpickler trips over is a damaged archive.
            throw new SprigException(
                    "cannot read " + file + " as a PyTorch archive: " + e.getMessage());
        }
    }

    /** The part of a saved object that holds the weights. */
    private static Object tensors(Object root) {
        if (root instanceof Map<?, ?> m && !(root instanceof ClassDict)) {
            for (String key : List.of("state_dict", "model", "model_state_dict", "net")) {
                Object inner = m.get(key);
                if (inner instanceof Map<?, ?> im
                        && im.values().stream().anyMatch(v -> v instanceof Tensor)) {
                    return inner;
                }
            }
        }
        return root;
    }

    /** Where a pickled {@code nn.Module} keeps its tensors and sub-modules. */
    private static final List<String> MODULE_PARTS = List.of("_parameters", "_buffers", "_modules");

    private static void flatten(String prefix, Object o, Map<String, Tensor> out) {
        if (o instanceof Tensor t) {
            out.put(prefix, t);
        } else if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                if (MODULE_PARTS.contains(k)) {
                    // A whole pickled nn.Module: its tensors and children sit in these dicts.
                    flatten(prefix, e.getValue(), out);
                } else if (!k.startsWith("_") || e.getValue() instanceof Tensor) {
                    flatten(prefix.isEmpty() ? k : prefix + "." + k, e.getValue(), out);
                }
            }
        }
    }

    private static Map<String, Tensor> stripDataParallel(Map<String, Tensor> in) {
        if (!in.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            return in;
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k.substring("module.".length()), v));
        return out;
    }

    /**
     * PyTorch's name of a Sprig parameter: batch-norm γ and β are {@code weight} and {@code bias}.
     *
     * @param p the parameter
     * @return e.g. {@code layer1.0.bn1.weight}
     */
    static String torchName(NamedParameter p) {
        String role =
                switch (p.role()) {
                    case WEIGHT, GAMMA, EMBEDDING -> "weight";
                    case BIAS, BETA -> "bias";
                    case RUNNING_MEAN -> "running_mean";
                    case RUNNING_VAR -> "running_var";
                };
        return p.layer().name() + "." + role;
    }

    /**
     * Writes a network's {@code state_dict} archive, atomically.
     *
     * @param model the network
     * @param file the {@code .pt} file
     * @return the bytes written
     */
    public static long writeStateDict(SprigModel model, Path file) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (NamedParameter p : model.parameters().values()) {
            tensors.put(
                    torchName(p),
                    new Tensor(
                            p.array().getShape().getShape(),
                            p.array().toFloatArray(),
                            "FloatStorage"));
            if (p.role() == ParameterRole.RUNNING_VAR) {
                tensors.put(
                        p.layer().name() + ".num_batches_tracked",
                        new Tensor(new long[0], new float[1], "LongStorage"));
            }
        }
        return write(tensors, file);
    }

    /**
     * Writes tensors as a {@code state_dict} archive (an {@code OrderedDict} of name to tensor),
     * atomically. Float tensors are stored as float32, {@code LongStorage} ones as int64.
     *
     * @param tensors tensors by name, in order
     * @param file the {@code .pt} file
     * @return the bytes written
     */
    static long write(Map<String, Tensor> tensors, Path file) {
        List<String> names = new ArrayList<>(tensors.keySet());
        List<long[]> shapes = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (Tensor t : tensors.values()) {
            shapes.add(t.shape());
            boolean integer = t.dtype().equals("LongStorage");
            types.add(integer ? "LongStorage" : "FloatStorage");
            if (integer) {
                ByteBuffer b =
                        ByteBuffer.allocate(8 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values()) {
                    b.putLong((long) v);
                }
                data.add(b.array());
            } else {
                data.add(TorchScript.littleEndian(t.values()));
            }
        }
        TorchPickle pk = new TorchPickle();
        pk.global("collections", "OrderedDict").op(')').op('R').op('(');
        for (int i = 0; i < names.size(); i++) {
            pk.string(names.get(i)).tensor(types.get(i), i, shapes.get(i), false);
        }
        pk.op('u').op('.');
        return TorchZip.write(
                file,
                zip -> {
                    zip.put("archive/data.pkl", pk.bytes());
                    zip.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < data.size(); i++) {
                        zip.put("archive/data/" + i, data.get(i));
                    }
                    zip.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
                });
    }
}
