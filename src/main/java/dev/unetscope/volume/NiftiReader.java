package dev.unetscope.volume;

import dev.unetscope.io.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads one 3D channel of a NIfTI-1 file, plain or gzip-compressed. Compression is detected from the
 * gzip magic bytes rather than the name, since ".nii" files that are really gzipped do occur.
 */
public final class NiftiReader {
    public static final String FORMAT = "nifti-1";

    private NiftiReader() {}

    /**
     * Reads channel {@code channel} (index along dim 4; 0 for a 3D file), with scl_slope/scl_inter
     * applied and the affine chosen as sform, else qform, else diag(pixdim).
     *
     * @throws BadInputException if the file is missing, not NIfTI-1, truncated, claims more voxels
     *     than it holds or than memory allows, has an unsupported datatype, or the channel is out of range
     */
    public static LoadedVolume read(Path p, int channel) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
            long fileSize = Files.size(p);
            boolean gz = isGzip(raw);
            InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
            byte[] hb = in.readNBytes(NiftiHeader.SIZE);
            if (hb.length < NiftiHeader.SIZE) {
                throw new BadInputException(p, "too short for a NIfTI-1 header (" + hb.length + " of 348 bytes)",
                        "the file is truncated or not NIfTI; export it again");
            }
            NiftiHeader h = NiftiHeader.parse(p, hb);
            long channels = h.channels();
            if (channels > Integer.MAX_VALUE) {
                throw new BadInputException(p, "header claims " + channels + " volumes", "the header is damaged; re-export the image");
            }
            checkChannel(p, channel, (int) channels);
            var layout = new VoxelReader.Layout(h.type, h.order, h.voxels(), (int) channels, false);
            long available = gz ? fileSize * VoxelReader.MAX_DEFLATE_RATIO - h.dataOffset : fileSize - h.dataOffset;
            VoxelReader.checkClaim(p, layout, available, gz);
            try {
                in.skipNBytes(h.dataOffset - NiftiHeader.SIZE);
            } catch (java.io.EOFException e) {
                throw VoxelReader.truncated(p, -1, layout.dataBytes());
            }
            float[] data = VoxelReader.readChannel(p, in, layout, channel, h.slope, h.inter);
            if (gz) VoxelReader.drain(in);
            Volume v = new Volume(h.dims[0], h.dims[1], h.dims[2], data, h.spacing(), h.affine());
            return new LoadedVolume(v, FORMAT, h.type.label(), (int) channels, h.declaredSpacing());
        } catch (IOException e) {
            throw VoxelReader.ioFault(p, e);
        }
    }

    static void checkChannel(Path p, int channel, int channels) {
        if (channel < 0 || channel >= channels) {
            throw new BadInputException(p, "channel " + channel + " is out of range: the image has " + channels
                    + (channels == 1 ? " channel" : " channels"), "choose a channel from 0 to " + (channels - 1));
        }
    }

    /** Peeks at the first two bytes for the gzip magic 1f 8b. */
    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }
}
