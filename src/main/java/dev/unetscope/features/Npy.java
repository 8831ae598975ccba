package dev.unetscope.features;

import dev.unetscope.io.AtomicFile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes NumPy {@code .npy} files (format 1.0): magic, a header dict padded so the data starts on a
 * 64-byte boundary, then little-endian C-order data. Readable with {@code numpy.load}.
 */
public final class Npy {
    private Npy() {}

    public static void writeFloat32(java.nio.file.Path file, float[] data, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        write(file, "<f4", shape, b.array());
    }

    public static void writeInt32(java.nio.file.Path file, int[] data, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        write(file, "<i4", shape, b.array());
    }

    public static void writeUint8(java.nio.file.Path file, byte[] data, int... shape) {
        write(file, "|u1", shape, data);
    }

    static byte[] header(String descr, int[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) s.append(shape.length == 1 ? "," : ", ");
        }
        s.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + s + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String h = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + h.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) h.length());
        b.put(h.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    private static void write(java.nio.file.Path file, String descr, int[] shape, byte[] body) {
        long n = 1;
        for (int s : shape) n *= s;
        int width = descr.equals("|u1") ? 1 : 4;
        if (n * width != body.length) throw new IllegalArgumentException("shape does not match the data length");
        byte[] head = header(descr, shape);
        AtomicFile.write(file, out -> {
            out.write(head);
            out.write(body);
        });
    }
}
