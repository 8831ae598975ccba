package dev.unetscope.volume;

import dev.unetscope.io.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A MetaImage (.mhd/.mha) text header: "Key = Value" lines ending with ElementDataFile, parsed into
 * what the reader needs. Keys are matched case-insensitively; the aliases MetaIO accepts for origin
 * (Position, Origin) and direction (Rotation, Orientation) are honoured.
 */
final class MetaImageHeader {
    /** A header longer than this is not a MetaImage header (guards against reading a binary file as text). */
    private static final int MAX_HEADER_BYTES = 1 << 20;

    final int ndims;
    final int[] dimSize;
    final DataType type;
    final int elementChannels;
    final double[] spacing;
    final double[] offset;
    /** Direction cosines as written: entries {@code ndims*i .. ndims*i+ndims-1} are axis i's direction. */
    final double[] transform;
    final ByteOrder order;
    final boolean compressed;
    final long headerSize;
    /** "LOCAL" or a file name relative to the header's folder. */
    final String dataFile;
    /** Bytes of header text, i.e. where LOCAL data starts. */
    final long length;

    private final Path path;

    private MetaImageHeader(Path p, Map<String, String> f, long length) {
        this.path = p;
        this.length = length;
        String objectType = get(f, "ObjectType");
        if (objectType != null && !objectType.equalsIgnoreCase("Image")) {
            throw bad("ObjectType is " + objectType + ", not Image", "give a MetaImage image file");
        }
        ndims = intValue(f, "NDims");
        if (ndims != 3 && ndims != 4) throw bad("NDims is " + ndims + "; only 3D (or 4D with channels) images are read", "give a 3D image");
        long[] ds = longs(f, "DimSize", ndims, null);
        dimSize = new int[ndims];
        for (int i = 0; i < ndims; i++) {
            if (ds[i] <= 0 || ds[i] > Integer.MAX_VALUE) throw bad("DimSize entry " + ds[i] + " is not a positive size", "fix DimSize");
            dimSize[i] = (int) ds[i];
        }
        String et = require(f, "ElementType");
        type = DataType.fromMetaName(et);
        if (type == null) {
            throw bad("unsupported ElementType " + et, "convert to MET_UCHAR, MET_CHAR, MET_SHORT, MET_USHORT, MET_INT, MET_UINT, MET_LONG_LONG, MET_FLOAT or MET_DOUBLE");
        }
        elementChannels = get(f, "ElementNumberOfChannels") != null ? intValue(f, "ElementNumberOfChannels") : 1;
        if (elementChannels < 1) throw bad("ElementNumberOfChannels is " + elementChannels, "fix the header");
        if (elementChannels > 1 && ndims == 4) {
            throw bad("both NDims 4 and ElementNumberOfChannels " + elementChannels + " are set", "store the channels one way only");
        }
        spacing = doubles(f, ndims, one(ndims), "ElementSpacing", "ElementSize");
        offset = doubles(f, ndims, new double[ndims], "Offset", "Position", "Origin");
        transform = doubles(f, ndims * ndims, identity(ndims), "TransformMatrix", "Rotation", "Orientation");
        boolean msb = bool(f, "BinaryDataByteOrderMSB") || bool(f, "ElementByteOrderMSB");
        order = msb ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        compressed = bool(f, "CompressedData");
        if (get(f, "BinaryData") != null && !bool(f, "BinaryData")) {
            throw bad("BinaryData = False (ASCII voxels) is not supported", "save the image with binary data");
        }
        headerSize = get(f, "HeaderSize") != null ? longs(f, "HeaderSize", 1, null)[0] : 0;
        if (headerSize < -1) throw bad("HeaderSize is " + headerSize, "fix the header");
        if (headerSize == -1 && compressed) throw bad("HeaderSize = -1 with compressed data", "fix the header");
        dataFile = require(f, "ElementDataFile");
        if (dataFile.equalsIgnoreCase("LIST") || dataFile.contains("%")) {
            throw bad("ElementDataFile " + dataFile + " (data split over several files) is not supported", "save the image as a single data file");
        }
    }

    /**
     * Reads header lines from {@code in} up to and including the ElementDataFile line, which MetaIO
     * requires to be last; the stream is left at the first data byte (the LOCAL data of a .mha).
     */
    static MetaImageHeader read(Path p, InputStream in) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long count = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new BadInputException(p, "no ElementDataFile line in the MetaImage header", "the header is incomplete or not MetaImage");
            }
            if (++count > MAX_HEADER_BYTES) {
                throw new BadInputException(p, "no MetaImage header found in the first " + MAX_HEADER_BYTES + " bytes", "give a .mhd/.mha MetaImage file");
            }
            if (c != '\n') {
                line.write(c);
                continue;
            }
            String text = line.toString(StandardCharsets.ISO_8859_1).strip();
            line.reset();
            if (text.isEmpty()) continue;
            int eq = text.indexOf('=');
            if (eq < 0) throw new BadInputException(p, "header line \"" + clip(text) + "\" is not Key = Value", "give a MetaImage file");
            String key = text.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            fields.put(key, text.substring(eq + 1).strip());
            if (key.equals("elementdatafile")) return new MetaImageHeader(p, fields, count);
        }
    }

    long voxels() {
        return (long) dimSize[0] * dimSize[1] * dimSize[2];
    }

    int channels() {
        return ndims == 4 ? dimSize[3] : elementChannels;
    }

    boolean interleaved() {
        return elementChannels > 1;
    }

    /**
     * The voxel-to-world affine in RAS, like NIfTI. ITK/MetaImage positions are
     * world = Offset + D * (index .* spacing) with D's column i (axis i's direction) written as the
     * i-th group of TransformMatrix, in LPS coordinates; RAS is LPS with x and y negated, so the
     * first two rows of the affine (rotation and translation) change sign.
     */
    double[] affineRas() {
        double[] a = new double[16];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) a[4 * r + c] = transform[ndims * c + r] * spacing[c];
            a[4 * r + 3] = offset[r];
        }
        a[15] = 1;
        for (int c = 0; c < 4; c++) {
            a[c] = -a[c];
            a[4 + c] = -a[4 + c];
        }
        for (int i = 0; i < 16; i++) a[i] += 0.0; // turn -0.0 into 0.0 for tidy printing
        return a;
    }

    private BadInputException bad(String fault, String todo) {
        return new BadInputException(path, fault, todo);
    }

    private String require(Map<String, String> f, String key) {
        String v = get(f, key);
        if (v == null || v.isEmpty()) throw bad("MetaImage header has no " + key + " field", "fix the header");
        return v;
    }

    private int intValue(Map<String, String> f, String key) {
        long v = longs(f, key, 1, null)[0];
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw bad(key + " " + v + " is out of range", "fix the header");
        return (int) v;
    }

    private long[] longs(Map<String, String> f, String key, int n, long[] dflt) {
        String v = get(f, key);
        if (v == null) {
            if (dflt != null) return dflt;
            throw bad("MetaImage header has no " + key + " field", "fix the header");
        }
        String[] parts = v.split("\\s+");
        if (parts.length < n) throw bad(key + " has " + parts.length + " values, expected " + n, "fix the header");
        long[] out = new long[n];
        try {
            for (int i = 0; i < n; i++) out[i] = Long.parseLong(parts[i]);
        } catch (NumberFormatException e) {
            throw bad(key + " \"" + clip(v) + "\" is not a list of integers", "fix the header");
        }
        return out;
    }

    private double[] doubles(Map<String, String> f, int n, double[] dflt, String... keys) {
        for (String key : keys) {
            String v = get(f, key);
            if (v == null) continue;
            String[] parts = v.split("\\s+");
            if (parts.length < n) throw bad(key + " has " + parts.length + " values, expected " + n, "fix the header");
            double[] out = new double[n];
            try {
                for (int i = 0; i < n; i++) out[i] = Double.parseDouble(parts[i]);
            } catch (NumberFormatException e) {
                throw bad(key + " \"" + clip(v) + "\" is not a list of numbers", "fix the header");
            }
            return out;
        }
        return dflt;
    }

    /** Fields are stored under lower-case keys; callers use MetaIO's spelling for messages. */
    private static String get(Map<String, String> f, String key) {
        return f.get(key.toLowerCase(Locale.ROOT));
    }

    private static boolean bool(Map<String, String> f, String key) {
        String v = get(f, key);
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    private static double[] one(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, 1.0);
        return a;
    }

    private static double[] identity(int n) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) a[n * i + i] = 1;
        return a;
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
