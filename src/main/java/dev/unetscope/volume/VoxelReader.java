package dev.unetscope.volume;

import dev.unetscope.io.BadInputException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * Shared by the NIfTI and MetaImage readers: checks a header's size claim before anything is
 * allocated, streams the voxel bytes of one channel into floats, and turns I/O failures into
 * {@link BadInputException}s that name the file.
 */
final class VoxelReader {
    private VoxelReader() {}

    /** Largest Java array we try to allocate (a few words below Integer.MAX_VALUE, as in the JDK). */
    static final long MAX_VOXELS = Integer.MAX_VALUE - 8;

    /**
     * Deflate cannot expand data by more than about 1032:1, so a compressed file of n bytes cannot
     * hold more than ~1032n bytes: this refuses absurd claims in a .gz before reading it.
     */
    static final long MAX_DEFLATE_RATIO = 1032;

    private static final int CHUNK = 1 << 20;

    /** What a header says the voxel data is: element type, byte order, voxels per channel, channels. */
    record Layout(DataType type, ByteOrder order, long voxels, int channels, boolean interleaved) {
        /** Bytes of all channels together, or Long.MAX_VALUE if that overflows. */
        long dataBytes() {
            try {
                return Math.multiplyExact(Math.multiplyExact(voxels, (long) channels), (long) type.bytes());
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
    }

    /**
     * Refuses a claim the file cannot satisfy or the heap cannot hold, before any allocation.
     *
     * @param available bytes the data can come from: the file size after the data offset, or, for a
     *     compressed stream, a bound derived from the compressed size
     */
    static void checkClaim(Path p, Layout d, long available, boolean compressed) {
        if (d.voxels() > MAX_VOXELS) {
            throw new BadInputException(p, "header claims " + d.voxels() + " voxels per channel, more than the "
                    + MAX_VOXELS + " one volume can hold", "check the header dims; crop or split the image");
        }
        long claimed = d.dataBytes();
        if (claimed > available) {
            String what = compressed
                    ? "header claims " + claimed + " bytes of voxels but the compressed file can hold at most about " + Math.max(0, available)
                    : "header claims " + claimed + " bytes of voxels but the file holds only " + Math.max(0, available) + " after the header";
            throw new BadInputException(p, what, "the file is truncated or its header dims are wrong; re-export it");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (4 * d.voxels() > heap) {
            throw new BadInputException(p, "volume needs " + mib(4 * d.voxels()) + " MiB as floats, more than the "
                    + mib(heap) + " MiB heap", "raise -Xmx or crop the image");
        }
    }

    /**
     * Reads every channel's bytes from {@code in} (so a truncation anywhere is found) and returns the
     * chosen channel as floats, each value {@code raw * slope + inter} when {@code slope != 0}.
     * Planar data has the channel slowest (NIfTI dim[4], MetaImage NDims 4); interleaved has it
     * fastest (MetaImage ElementNumberOfChannels).
     */
    static float[] readChannel(Path p, InputStream in, Layout d, int channel, double slope, double inter) throws IOException {
        int n = (int) d.voxels();
        int bpe = d.type().bytes();
        long total = d.dataBytes();
        float[] out = allocate(p, n);
        if (d.interleaved()) {
            readElements(p, in, d, out, d.channels(), channel, slope, inter, 0, total);
        } else {
            long before = (long) channel * n * bpe;
            skipFully(p, in, before, total);
            readElements(p, in, d, out, 1, 0, slope, inter, before, total);
            skipFully(p, in, total - before - (long) n * bpe, total);
        }
        return out;
    }

    /** Reads {@code out.length * stride} elements, keeping element {@code k} where k % stride == pick. */
    private static void readElements(Path p, InputStream in, Layout d, float[] out, int stride, int pick,
                                     double slope, double inter, long doneBytes, long totalBytes) throws IOException {
        int bpe = d.type().bytes();
        int group = bpe * stride; // bytes per voxel (all channels), so chunks never split a voxel
        byte[] buf = new byte[Math.max(group, CHUNK / group * group)];
        ByteBuffer bb = ByteBuffer.wrap(buf).order(d.order());
        boolean scale = slope != 0;
        DataType t = d.type();
        int voxel = 0;
        while (voxel < out.length) {
            int count = Math.min(buf.length / group, out.length - voxel);
            int want = count * group;
            int got = in.readNBytes(buf, 0, want);
            if (got < want) throw truncated(p, doneBytes + got, totalBytes);
            doneBytes += want;
            for (int k = 0; k < count; k++, voxel++) {
                double v = t.decode(bb, k * group + pick * bpe);
                out[voxel] = (float) (scale ? v * slope + inter : v);
            }
        }
    }

    private static void skipFully(Path p, InputStream in, long bytes, long totalBytes) throws IOException {
        try {
            in.skipNBytes(bytes);
        } catch (EOFException e) {
            throw truncated(p, -1, totalBytes);
        }
    }

    /** Reads a compressed stream to its end so gzip's trailer (length and CRC) gets checked. */
    static void drain(InputStream in) throws IOException {
        byte[] b = new byte[8192];
        while (in.read(b) >= 0) { /* discard */ }
    }

    static BadInputException truncated(Path p, long got, long expected) {
        String at = got >= 0 ? "after " + got + " of " + expected + " voxel bytes" : "before its " + expected + " voxel bytes";
        return new BadInputException(p, "file ends early: truncated " + at, "the file is incomplete; copy or export it again");
    }

    /** The one allocation a reader makes; a failure here is the input's size, not a bug. */
    private static float[] allocate(Path p, int n) {
        try {
            return new float[n];
        } catch (OutOfMemoryError e) {
            throw new BadInputException(p, "not enough memory for " + mib(4L * n) + " MiB of voxels", "raise -Xmx or crop the image");
        }
    }

    /** Maps an I/O failure while reading {@code p} to a one-line user fault. */
    static BadInputException ioFault(Path p, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new BadInputException(p, "file not found", "check the path");
        }
        if (e instanceof AccessDeniedException) {
            return new BadInputException(p, "permission denied", "check the file's permissions");
        }
        if (e instanceof EOFException) {
            return new BadInputException(p, "file ends early (truncated or incomplete compressed stream)",
                    "the file is incomplete; copy or export it again", e);
        }
        if (e instanceof ZipException) {
            return new BadInputException(p, "corrupt compressed data: " + e.getMessage(),
                    "the file is damaged; copy or export it again", e);
        }
        return new BadInputException(p, "cannot read: " + e.getMessage(), "check the file", e);
    }

    static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
