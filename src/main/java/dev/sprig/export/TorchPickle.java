package dev.sprig.export;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The few pickle (protocol 2) opcodes PyTorch's archives need: globals, strings, integers, and raw
 * opcodes for tuples, dicts and calls. Shared by the TorchScript and the state_dict writers.
 */
final class TorchPickle {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TorchPickle() {
        out.write(0x80);
        out.write(2);
    }

    TorchPickle op(int code) {
        out.write(code);
        return this;
    }

    TorchPickle global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    TorchPickle string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    TorchPickle integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            out.writeBytes(
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            out.write(0x8a); // LONG1: little-endian two's complement of 8 bytes
            out.write(8);
            out.writeBytes(
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /**
     * Writes {@code torch._utils._rebuild_tensor_v2} of a contiguous tensor whose storage is the
     * archive's {@code data/KEY}.
     *
     * @param storageType e.g. {@code FloatStorage}
     * @param key the storage's key
     * @param shape the tensor's shape
     * @param requiresGrad whether the tensor is a trainable parameter
     * @return this pickle
     */
    TorchPickle tensor(String storageType, int key, long[] shape, boolean requiresGrad) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        op('(').string("storage")
                .global("torch", storageType)
                .string(Integer.toString(key))
                .string("cpu")
                .integer(numel)
                .op('t')
                .op('Q');
        integer(0).op('(');
        for (long d : shape) {
            integer(d);
        }
        op('t').op('(');
        long stride = numel;
        for (long d : shape) {
            stride = d == 0 ? stride : stride / d;
            integer(stride);
        }
        op('t').op(requiresGrad ? 0x88 : 0x89);
        global("collections", "OrderedDict").op(')').op('R');
        return op('t').op('R');
    }
}
