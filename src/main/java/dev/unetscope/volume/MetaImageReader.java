package dev.unetscope.volume;

import dev.unetscope.io.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Reads one 3D channel of a MetaImage: a .mhd header with its voxels in a separate file, or a .mha
 * with the voxels inline after the header (ElementDataFile = LOCAL), raw or zlib-compressed. The
 * affine is converted from ITK's LPS to NIfTI's RAS (see {@link MetaImageHeader#affineRas()}).
 */
public final class MetaImageReader {
    public static final String FORMAT = "metaimage";

    private MetaImageReader() {}

    /**
     * Reads channel {@code channel} (along NDims 4, or among ElementNumberOfChannels; 0 for a
     * single-channel image).
     *
     * @throws BadInputException if the header or data file is missing, malformed, too short, claims
     *     more than memory allows, or the channel is out of range
     */
    public static LoadedVolume read(Path p, int channel) {
        MetaImageHeader h;
        InputStream headerStream = null;
        try {
            headerStream = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
            h = MetaImageHeader.read(p, headerStream);
            NiftiReader.checkChannel(p, channel, h.channels());
            boolean local = h.dataFile.equalsIgnoreCase("LOCAL");
            Path dataPath = local ? p : resolve(p, h.dataFile);
            if (!local) {
                headerStream.close();
                headerStream = null;
                if (!Files.isRegularFile(dataPath)) {
                    throw new BadInputException(p, "data file " + dataPath + " (ElementDataFile) not found",
                            "put the data file beside the header, or fix ElementDataFile");
                }
            }
            long start = local ? h.length : h.headerSize;
            var layout = new VoxelReader.Layout(h.type, h.order, h.voxels(), h.channels(), h.interleaved());
            long fileSize = Files.size(dataPath);
            if (start == -1) start = Math.max(0, fileSize - layout.dataBytes()); // HeaderSize -1: data at the end
            long available = h.compressed ? (fileSize - start) * VoxelReader.MAX_DEFLATE_RATIO : fileSize - start;
            VoxelReader.checkClaim(dataPath, layout, available, h.compressed);
            try (InputStream data = local ? headerStream : new BufferedInputStream(Files.newInputStream(dataPath), 1 << 16)) {
                headerStream = null;
                if (!local) data.skipNBytes(start);
                Inflater inflater = new Inflater();
                float[] voxels;
                try {
                    InputStream in = h.compressed ? new InflaterInputStream(data, inflater, 1 << 16) : data;
                    voxels = VoxelReader.readChannel(dataPath, in, layout, channel, 0, 0);
                    if (h.compressed) VoxelReader.drain(in); // reaching the end makes zlib check its Adler-32
                } finally {
                    inflater.end(); // a caller-supplied Inflater is not ended by the stream's close
                }
                double[] spacing = {Math.abs(h.spacing[0]), Math.abs(h.spacing[1]), Math.abs(h.spacing[2])};
                Volume v = new Volume(h.dimSize[0], h.dimSize[1], h.dimSize[2], voxels, spacing, h.affineRas());
                return new LoadedVolume(v, FORMAT, h.type.label(), h.channels());
            }
        } catch (NoSuchFileException e) {
            throw VoxelReader.ioFault(Path.of(e.getFile()), e);
        } catch (IOException e) {
            throw VoxelReader.ioFault(p, e);
        } finally {
            if (headerStream != null) {
                try { headerStream.close(); } catch (IOException ignored) { /* read-only stream */ }
            }
        }
    }

    /** ElementDataFile is relative to the header's folder (MetaIO's rule), unless absolute. */
    private static Path resolve(Path header, String name) {
        Path dir = header.toAbsolutePath().getParent();
        return dir.resolve(name);
    }
}
