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
}
