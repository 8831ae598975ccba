package dev.unetscope.volume;

import dev.unetscope.io.AtomicFile;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a Volume as a single-file NIfTI-1 (.nii, or gzip-compressed when the name ends ".gz"),
 * little endian, atomically. Both sform and qform are set from the affine so readers that prefer
 * either agree; the sform holds it exactly (to float32), the qform is its nearest rigid part.
 */
public final class NiftiWriter {
    private static final int XFORM_SCANNER_ANAT = 1;
    private static final int UNITS_MM_SEC = 2 | 8;

    private NiftiWriter() {}

    /** Writes float32 voxels. */
    public static void write(Volume v, Path p) {
        write(v, p, DataType.FLOAT32);
    }

    /**
     * Writes voxels as {@code type}; integer types (e.g. uint8 or int16 for masks) need every voxel to
     * be an integer in range, or an IllegalArgumentException is thrown and no file is written.
     */
    public static void write(Volume v, Path p, DataType type) {
        double[] affine = v.affine();
        for (double a : affine) {
            if (!Double.isFinite(a)) throw new IllegalArgumentException("affine has a non-finite entry: " + java.util.Arrays.toString(affine));
        }
        byte[] header = header(v, type);
        boolean gz = p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        AtomicFile.write(p, target -> {
            OutputStream out = gz ? fastGzip(target) : target;
            out.write(header);
            writeVoxels(out, v.data(), type);
            if (gz) out.close(); // finishes the gzip trailer and frees the Deflater; AtomicFile's close is then a no-op
        });
    }

    /** The whole .nii file (header and voxels as {@code type}, uncompressed) in memory: for a caller that writes it more than one way. */
    public static byte[] encode(Volume v, DataType type) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(NiftiHeader.MIN_DATA_OFFSET + v.size() * type.bytes());
        try {
            out.write(header(v, type));
            writeVoxels(out, v.data(), type);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A colour volume on {@code grid}'s grid as NIfTI-1 RGBA32 (datatype 2304, 4 bytes per voxel: red, green,
     * blue, alpha), uncompressed, in memory; {@code rgba[i]} packs voxel i as 0xRRGGBBAA.
     */
    public static byte[] encodeRgba(Volume grid, int[] rgba) {
        if (rgba.length != grid.size()) throw new IllegalArgumentException(rgba.length + " colours for " + grid.size() + " voxels");
        byte[] header = header(grid, DataType.INT32); // 4 bytes per voxel, so bitpix 32 is right; the datatype is set below
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putShort(NiftiHeader.OFF_DATATYPE, (short) 2304);
        ByteBuffer b = ByteBuffer.allocate(header.length + 4 * rgba.length).order(ByteOrder.BIG_ENDIAN);
        b.put(header);
        for (int c : rgba) b.putInt(c);
        return b.array();
    }

    /**
     * gzip at level 1, as nibabel writes: float voxels barely compress further at higher levels, and
     * level 6 is several times slower.
     */
    private static GZIPOutputStream fastGzip(OutputStream target) throws java.io.IOException {
        return new GZIPOutputStream(target, 1 << 16) {
            { def.setLevel(Deflater.BEST_SPEED); }
        };
    }

    private static void writeVoxels(OutputStream out, float[] data, DataType type) throws java.io.IOException {
        int per = (1 << 20) / type.bytes();
        ByteBuffer bb = ByteBuffer.allocate(per * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.length; ) {
            bb.clear();
            int end = Math.min(data.length, i + per);
            for (; i < end; i++) type.encode(bb, data[i]);
            out.write(bb.array(), 0, bb.position());
        }
    }

    /** The 348-byte header plus the 4-byte "no extensions" flag. */
    static byte[] header(Volume v, DataType type) {
        ByteBuffer b = ByteBuffer.allocate(NiftiHeader.MIN_DATA_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, NiftiHeader.SIZE);
        b.put(38, (byte) 'r'); // "regular", kept for Analyze readers
        if (v.nx() > Short.MAX_VALUE || v.ny() > Short.MAX_VALUE || v.nz() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("NIfTI-1 dims are at most 32767: " + v.dimsString());
        }
        short[] dim = {3, (short) v.nx(), (short) v.ny(), (short) v.nz(), 1, 1, 1, 1};
        for (int i = 0; i < 8; i++) b.putShort(NiftiHeader.OFF_DIM + 2 * i, dim[i]);
        b.putShort(NiftiHeader.OFF_DATATYPE, (short) type.niftiCode());
        b.putShort(NiftiHeader.OFF_BITPIX, (short) (8 * type.bytes()));
        double[] affine = v.affine();
        Quaternions.QForm q = Quaternions.fromAffine(affine);
        double[] s = v.spacing();
        float[] pixdim = {(float) q.qfac(), (float) s[0], (float) s[1], (float) s[2], 1, 1, 1, 1};
        for (int i = 0; i < 8; i++) b.putFloat(NiftiHeader.OFF_PIXDIM + 4 * i, pixdim[i]);
        b.putFloat(NiftiHeader.OFF_VOX_OFFSET, NiftiHeader.MIN_DATA_OFFSET);
        b.putFloat(NiftiHeader.OFF_SCL_SLOPE, 1f);
        b.putFloat(NiftiHeader.OFF_SCL_INTER, 0f);
        b.put(NiftiHeader.OFF_XYZT_UNITS, (byte) UNITS_MM_SEC);
        b.put(NiftiHeader.OFF_DESCRIP, "unetscope".getBytes(StandardCharsets.US_ASCII));
        b.putShort(NiftiHeader.OFF_QFORM_CODE, (short) XFORM_SCANNER_ANAT);
        b.putShort(NiftiHeader.OFF_SFORM_CODE, (short) XFORM_SCANNER_ANAT);
        double[] qv = {q.b(), q.c(), q.d(), q.qx(), q.qy(), q.qz()};
        for (int i = 0; i < 6; i++) b.putFloat(NiftiHeader.OFF_QUATERN_B + 4 * i, (float) qv[i]);
        for (int i = 0; i < 12; i++) b.putFloat(NiftiHeader.OFF_SROW_X + 4 * i, (float) affine[i]);
        b.put(NiftiHeader.OFF_MAGIC, "n+1\0".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
