package dev.unetscope.volume;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Builds NIfTI-1 file bytes field by field, so tests can write both good and broken files. */
final class NiftiBytes {
    ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    int sizeofHdr = 348;
    short[] dim = {3, 4, 3, 2, 1, 1, 1, 1};
    int datatype = 16;
    float[] pixdim = {1, 1, 1, 1, 1, 1, 1, 1};
    float voxOffset = 352;
    float slope = 1, inter = 0;
    int qformCode = 0, sformCode = 0;
    float[] quat = new float[6];
    float[] srow = new float[12];
    String magic = "n+1\0";
    /** Voxel bytes as they go in the file (already in {@link #order}). */
    byte[] data = new byte[0];

    /** Fills {@link #data} with the given values encoded as {@code type} in {@link #order}. */
    NiftiBytes values(DataType type, double... v) {
        datatype = type.niftiCode();
        ByteBuffer b = ByteBuffer.allocate(v.length * type.bytes()).order(order);
        for (double x : v) type.encode(b, (float) x);
        data = b.array();
        return this;
    }

    byte[] build() {
        ByteBuffer b = ByteBuffer.allocate((int) Math.max(352, voxOffset)).order(order);
        b.putInt(0, sizeofHdr);
        for (int i = 0; i < 8; i++) b.putShort(40 + 2 * i, dim[i]);
        b.putShort(70, (short) datatype);
        for (int i = 0; i < 8; i++) b.putFloat(76 + 4 * i, pixdim[i]);
        b.putFloat(108, voxOffset);
        b.putFloat(112, slope);
        b.putFloat(116, inter);
        b.putShort(252, (short) qformCode);
        b.putShort(254, (short) sformCode);
        for (int i = 0; i < 6; i++) b.putFloat(256 + 4 * i, quat[i]);
        for (int i = 0; i < 12; i++) b.putFloat(280 + 4 * i, srow[i]);
        b.put(344, magic.getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b.array());
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }
}
