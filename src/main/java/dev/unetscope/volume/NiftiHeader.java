package dev.unetscope.volume;

import dev.unetscope.io.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The fields of a NIfTI-1 header (348 bytes) that decide how voxels are read and placed, parsed and
 * validated; offsets are those of nifti1.h. Everything else in the header is ignored.
 */
final class NiftiHeader {
    static final int SIZE = 348;
    /** Header plus the 4-byte extension flag: where a single-file .nii's voxels start at the earliest. */
    static final int MIN_DATA_OFFSET = 352;

    static final int OFF_DIM = 40, OFF_DATATYPE = 70, OFF_BITPIX = 72, OFF_PIXDIM = 76, OFF_VOX_OFFSET = 108,
            OFF_SCL_SLOPE = 112, OFF_SCL_INTER = 116, OFF_XYZT_UNITS = 123, OFF_DESCRIP = 148, OFF_QFORM_CODE = 252,
            OFF_SFORM_CODE = 254, OFF_QUATERN_B = 256, OFF_QOFFSET_X = 268, OFF_SROW_X = 280, OFF_MAGIC = 344;

    final ByteOrder order;
    /** dim[1..7] with unused entries 1; nx, ny, nz are dims[0..2]. */
    final int[] dims = {1, 1, 1, 1, 1, 1, 1};
    final int ndim;
    final int datatypeCode;
    final DataType type;
    final float[] pixdim = new float[8];
    final long dataOffset;
    final double slope, inter;
    final int qformCode, sformCode;
    final Quaternions.QForm qform;
    final double[] srow = new double[12];

    private NiftiHeader(Path p, ByteBuffer b) {
        order = b.order();
        byte[] magic = new byte[4];
        b.get(OFF_MAGIC, magic);
        String m = new String(magic, StandardCharsets.ISO_8859_1);
        if (m.equals("ni1\0")) {
            throw new BadInputException(p, "header says its voxels are in a separate .img file (magic \"ni1\")",
                    "convert the .hdr/.img pair to a single-file .nii, e.g. with nibabel or fslchfiletype");
        }
        if (!m.equals("n+1\0")) {
            throw new BadInputException(p, "not a NIfTI-1 file: magic is \"" + printable(m) + "\", expected \"n+1\"",
                    "give a .nii or .nii.gz written by a NIfTI-1 tool");
        }
        ndim = b.getShort(OFF_DIM);
        if (ndim < 1 || ndim > 7) {
            throw new BadInputException(p, "header dim[0] is " + ndim + ", expected 1 to 7", "the header is damaged; re-export the image");
        }
        for (int i = 1; i <= ndim; i++) {
            int d = b.getShort(OFF_DIM + 2 * i);
            if (d <= 0) {
                throw new BadInputException(p, "header dim[" + i + "] is " + d + "; every dimension must be positive",
                        "the header is damaged; re-export the image");
            }
            dims[i - 1] = d;
        }
        datatypeCode = b.getShort(OFF_DATATYPE);
        type = DataType.fromNiftiCode(datatypeCode);
        if (type == null) {
            throw new BadInputException(p, "unsupported datatype " + datatypeCode,
                    "convert the image to uint8, int8, int16, uint16, int32, uint32, int64, float32 or float64");
        }
        for (int i = 0; i < 8; i++) pixdim[i] = b.getFloat(OFF_PIXDIM + 4 * i);
        float vox = b.getFloat(OFF_VOX_OFFSET);
        if (!Float.isFinite(vox) || vox < 0 || vox != Math.rint(vox)) {
            throw new BadInputException(p, "header vox_offset is " + vox + ", not a byte offset", "the header is damaged; re-export the image");
        }
        // Some writers leave vox_offset 0 in a single file; the data can only start after the header.
        dataOffset = Math.max(MIN_DATA_OFFSET, (long) vox);
        double s = b.getFloat(OFF_SCL_SLOPE), c = b.getFloat(OFF_SCL_INTER);
        // As nibabel: slope 0 or non-finite means "no scaling"; a valid slope needs a finite intercept.
        // slope 1, inter 0 is skipped too: x * 1 + 0 would turn -0.0 into +0.0.
        if (s == 0 || !Double.isFinite(s) || (s == 1 && c == 0)) {
            slope = 0; inter = 0;
        } else {
            if (!Double.isFinite(c)) {
                throw new BadInputException(p, "header scl_inter is " + c + " with scl_slope " + s, "fix the header's scaling");
            }
            slope = s; inter = c;
        }
        qformCode = b.getShort(OFF_QFORM_CODE);
        sformCode = b.getShort(OFF_SFORM_CODE);
        qform = new Quaternions.QForm(b.getFloat(OFF_QUATERN_B), b.getFloat(OFF_QUATERN_B + 4), b.getFloat(OFF_QUATERN_B + 8),
                b.getFloat(OFF_QOFFSET_X), b.getFloat(OFF_QOFFSET_X + 4), b.getFloat(OFF_QOFFSET_X + 8),
                pixdim[0] < 0 ? -1 : 1);
        for (int i = 0; i < 12; i++) srow[i] = b.getFloat(OFF_SROW_X + 4 * i);
    }

    /**
     * Parses the first 348 bytes of a file. The byte order is the one in which sizeof_hdr reads 348.
     */
    static NiftiHeader parse(Path p, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int le = b.getInt(0);
        int be = Integer.reverseBytes(le);
        if (le == 540 || be == 540) {
            throw new BadInputException(p, "is a NIfTI-2 file, which is not supported", "save it as NIfTI-1 (e.g. nibabel Nifti1Image)");
        }
        if (be == SIZE) {
            b.order(ByteOrder.BIG_ENDIAN);
        } else if (le != SIZE) {
            throw new BadInputException(p, "not a NIfTI-1 file: sizeof_hdr is " + le + ", expected 348",
                    "give a .nii or .nii.gz written by a NIfTI-1 tool");
        }
        return new NiftiHeader(p, b);
    }

    /** Voxels per 3D volume. */
    long voxels() {
        return (long) dims[0] * dims[1] * dims[2];
    }

    /** Volumes stacked along dim 4 and beyond (dims 5..7 are folded in, slowest last). */
    long channels() {
        long c = 1;
        for (int i = 3; i < 7; i++) c *= dims[i];
        return c;
    }

    /** pixdim[1..3] as stored (absolute values), zero or non-finite entries included. */
    double[] declaredSpacing() {
        return new double[] {Math.abs(pixdim[1]), Math.abs(pixdim[2]), Math.abs(pixdim[3])};
    }

    /** Voxel size from pixdim[1..3]; a zero or non-finite entry (seen in 2D files) becomes 1 mm. */
    double[] spacing() {
        double[] s = new double[3];
        for (int i = 0; i < 3; i++) {
            double v = Math.abs(pixdim[i + 1]);
            s[i] = v > 0 && Double.isFinite(v) ? v : 1.0;
        }
        return s;
    }

    /**
     * The voxel-to-world affine by the NIfTI-1 rules: sform if sform_code > 0, else the qform if
     * qform_code > 0, else diag(pixdim) ("method 1" of nifti1.h). nibabel differs only in that last
     * case: it uses an Analyze-style affine centred on the volume with x flipped.
     */
    double[] affine() {
        if (sformCode > 0) {
            double[] a = new double[16];
            System.arraycopy(srow, 0, a, 0, 12);
            a[15] = 1;
            return a;
        }
        double[] s = spacing();
        if (qformCode > 0) return Quaternions.toAffine(qform, s[0], s[1], s[2]);
        return Volume.diagonalAffine(s);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch == 0) sb.append("\\0");
            else if (ch >= 32 && ch < 127) sb.append(ch);
            else sb.append(String.format("\\x%02x", (int) ch));
        }
        return sb.toString();
    }
}
