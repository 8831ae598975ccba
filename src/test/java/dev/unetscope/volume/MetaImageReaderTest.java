package dev.unetscope.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.io.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MetaImageReaderTest {
    @TempDir Path dir;

    private static final int NX = 4, NY = 3, NZ = 2, N = NX * NY * NZ;

    /** Values that fit every element type, negative ones only where the type is signed. */
    private static double[] values(DataType t, int channel) {
        boolean unsigned = t == DataType.UINT8 || t == DataType.UINT16 || t == DataType.UINT32;
        double[] v = new double[N];
        for (int i = 0; i < N; i++) v[i] = (unsigned ? i : i - 10) + 30 * channel;
        if (t == DataType.FLOAT32 || t == DataType.FLOAT64) v[1] = 0.25;
        if (t == DataType.UINT32) v[2] = 4e9; // above 2^31: must read as unsigned
        if (t == DataType.UINT16) v[2] = 65000;
        return v;
    }

    private static byte[] encode(DataType t, ByteOrder order, double[]... channelsInterleavedOrPlanar) {
        int total = 0;
        for (double[] c : channelsInterleavedOrPlanar) total += c.length;
        ByteBuffer b = ByteBuffer.allocate(total * t.bytes()).order(order);
        for (double[] c : channelsInterleavedOrPlanar) for (double x : c) t.encode(b, (float) x);
        return b.array();
    }

    private static byte[] zlib(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(bos)) {
            z.write(raw);
        }
        return bos.toByteArray();
    }

    private static String header(DataType t, boolean msb, boolean compressed, String dataFile, String extra) {
        return "ObjectType = Image\nNDims = 3\nBinaryData = True\n"
                + "BinaryDataByteOrderMSB = " + (msb ? "True" : "False") + "\n"
                + "CompressedData = " + (compressed ? "True" : "False") + "\n"
                + "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\nElementSpacing = 1 1 1\n"
                + "DimSize = " + NX + " " + NY + " " + NZ + "\n" + extra
                + "ElementType = " + t.metaName() + "\nElementDataFile = " + dataFile + "\n";
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void everyElementTypeEachByteOrderCompressedOrNotInMhdAndMha(DataType t) throws IOException {
        double[] v = values(t, 0);
        for (boolean msb : new boolean[] {false, true}) {
            for (boolean compressed : new boolean[] {false, true}) {
                byte[] raw = encode(t, msb ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, v);
                byte[] data = compressed ? zlib(raw) : raw;
                String tag = t.label() + (msb ? "-msb" : "-lsb") + (compressed ? "-z" : "");
                // .mhd + separate data file
                Files.write(dir.resolve(tag + ".raw"), data);
                Path mhd = dir.resolve(tag + ".mhd");
                Files.writeString(mhd, header(t, msb, compressed, tag + ".raw", ""));
                LoadedVolume a = VolumeIO.load(mhd, 0);
                assertThat(a.format()).isEqualTo("metaimage");
                assertThat(a.datatype()).isEqualTo(t.label());
                assertThat(a.volume().dims()).containsExactly(NX, NY, NZ);
                assertThat(a.volume().data()).as(tag).containsExactly(floats(v));
                // .mha with the data inline
                Path mha = dir.resolve(tag + ".mha");
                ByteArrayOutputStream bos = new ByteArrayOutputStream();
                bos.writeBytes(header(t, msb, compressed, "LOCAL", "").getBytes(StandardCharsets.US_ASCII));
                bos.writeBytes(data);
                Files.write(mha, bos.toByteArray());
                assertThat(VolumeIO.read(mha).data()).as(tag + " mha").containsExactly(floats(v));
            }
        }
    }

    @Test
    void elementByteOrderMsbAndMetLongAliasesAreRead() throws IOException {
        double[] v = values(DataType.INT32, 0);
        Files.write(dir.resolve("l.raw"), encode(DataType.INT32, ByteOrder.BIG_ENDIAN, v));
        Path mhd = dir.resolve("l.mhd");
        Files.writeString(mhd, "NDims = 3\nDimSize = 4 3 2\nElementByteOrderMSB = True\nElementType = MET_LONG\nElementDataFile = l.raw\n");
        assertThat(VolumeIO.read(mhd).data()).containsExactly(floats(v));
    }

    /**
     * Hand-computed: axis i's LPS direction is TransformMatrix's i-th triple. Axis 0 -> (0,1,0)*2,
     * axis 1 -> (-1,0,0)*3, axis 2 -> (0,0,1)*4, origin (10,20,30). LPS affine rows:
     * [0 -3 0 10], [2 0 0 20], [0 0 4 30]; RAS negates the first two rows.
     */
    @Test
    void transformMatrixOffsetAndSpacingGiveTheRasAffine() throws IOException {
        double[] v = values(DataType.INT16, 0);
        Files.write(dir.resolve("o.raw"), encode(DataType.INT16, ByteOrder.LITTLE_ENDIAN, v));
        Path mhd = dir.resolve("o.mhd");
        Files.writeString(mhd, "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementSpacing = 2 3 4\n"
                + "Offset = 10 20 30\nTransformMatrix = 0 1 0 -1 0 0 0 0 1\nAnatomicalOrientation = RAI\n"
                + "ElementType = MET_SHORT\nElementDataFile = o.raw\n");
        Volume vol = VolumeIO.read(mhd);
        assertThat(vol.spacing()).containsExactly(2, 3, 4);
        assertThat(vol.affine()).containsExactly(0, 3, 0, -10, -2, 0, 0, -20, 0, 0, 4, 30, 0, 0, 0, 1);
    }

    @Test
    void obliqueTransformMatrixMatchesTheNiftiConventionForTheSamePoint() throws IOException {
        // A direction matrix D (columns = axis directions, LPS) written column by column.
        double c = Math.cos(0.3), s = Math.sin(0.3);
        double[][] d = {{c, -s, 0}, {s, c, 0}, {0, 0, 1}}; // D[row][col]
        String tm = String.format(java.util.Locale.ROOT, "%s %s %s %s %s %s %s %s %s",
                d[0][0], d[1][0], d[2][0], d[0][1], d[1][1], d[2][1], d[0][2], d[1][2], d[2][2]);
        Files.write(dir.resolve("q.raw"), encode(DataType.UINT8, ByteOrder.LITTLE_ENDIAN, values(DataType.UINT8, 0)));
        Path mhd = dir.resolve("q.mhd");
        Files.writeString(mhd, "NDims = 3\nDimSize = 4 3 2\nElementSpacing = 0.5 0.7 1.5\nOffset = -1 2 -3\n"
                + "TransformMatrix = " + tm + "\nElementType = MET_UCHAR\nElementDataFile = q.raw\n");
        double[] a = VolumeIO.read(mhd).affine();
        int[] idx = {3, 2, 1};
        double[] sp = {0.5, 0.7, 1.5};
        double[] lps = {-1, 2, -3};
        for (int r = 0; r < 3; r++) for (int k = 0; k < 3; k++) lps[r] += d[r][k] * idx[k] * sp[k];
        double[] ras = {-lps[0], -lps[1], lps[2]};
        for (int r = 0; r < 3; r++) {
            double w = a[4 * r + 3];
            for (int k = 0; k < 3; k++) w += a[4 * r + k] * idx[k];
            assertThat(w).isCloseTo(ras[r], within(1e-12));
        }
    }

    @Test
    void fourDimensionalPlanarAndInterleavedChannels() throws IOException {
        double[] c0 = values(DataType.INT16, 0), c1 = values(DataType.INT16, 1), c2 = values(DataType.INT16, 2);
        Files.write(dir.resolve("p.raw"), encode(DataType.INT16, ByteOrder.LITTLE_ENDIAN, c0, c1, c2));
        Path planar = dir.resolve("p.mhd");
        Files.writeString(planar, "NDims = 4\nDimSize = 4 3 2 3\nElementSpacing = 1 1 1 1\nOffset = 0 0 0 0\n"
                + "TransformMatrix = 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1\nElementType = MET_SHORT\nElementDataFile = p.raw\n");
        LoadedVolume lv = VolumeIO.load(planar, 2);
        assertThat(lv.channels()).isEqualTo(3);
        assertThat(lv.volume().data()).containsExactly(floats(c2));

        double[] inter = new double[3 * N];
        for (int i = 0; i < N; i++) { inter[3 * i] = c0[i]; inter[3 * i + 1] = c1[i]; inter[3 * i + 2] = c2[i]; }
        Files.write(dir.resolve("i.zraw"), zlib(encode(DataType.INT16, ByteOrder.BIG_ENDIAN, inter)));
        Path interleaved = dir.resolve("i.mhd");
        Files.writeString(interleaved, header(DataType.INT16, true, true, "i.zraw", "ElementNumberOfChannels = 3\n"));
        assertThat(VolumeIO.load(interleaved, 0).volume().data()).containsExactly(floats(c0));
        assertThat(VolumeIO.load(interleaved, 1).volume().data()).containsExactly(floats(c1));
        assertThat(VolumeIO.load(interleaved, 1).channels()).isEqualTo(3);
        assertThatThrownBy(() -> VolumeIO.read(interleaved, 3)).isInstanceOf(BadInputException.class).hasMessageContaining("channel 3");
    }

    @Test
    void headerSizeSkipsLeadingBytesAndMinusOneMeansDataAtTheEnd() throws IOException {
        double[] v = values(DataType.FLOAT32, 0);
        byte[] raw = encode(DataType.FLOAT32, ByteOrder.LITTLE_ENDIAN, v);
        byte[] padded = new byte[17 + raw.length];
        System.arraycopy(raw, 0, padded, 17, raw.length);
        Files.write(dir.resolve("h.raw"), padded);
        for (String hs : new String[] {"17", "-1"}) {
            Path mhd = dir.resolve("h" + hs + ".mhd");
            Files.writeString(mhd, header(DataType.FLOAT32, false, false, "h.raw", "HeaderSize = " + hs + "\n"));
            assertThat(VolumeIO.read(mhd).data()).containsExactly(floats(v));
        }
    }

    @Test
    void dataFileInASubfolderIsRelativeToTheHeader() throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        double[] v = values(DataType.UINT8, 0);
        Files.write(dir.resolve("sub/d.raw"), encode(DataType.UINT8, ByteOrder.LITTLE_ENDIAN, v));
        Path mhd = dir.resolve("s.mhd");
        Files.writeString(mhd, header(DataType.UINT8, false, false, "sub/d.raw", ""));
        assertThat(VolumeIO.read(mhd).data()).containsExactly(floats(v));
    }

    // --- bad input ---

    private void assertBad(Path p, String contains) {
        assertThatThrownBy(() -> VolumeIO.read(p))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(contains)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void missingDataFile() throws IOException {
        Path mhd = dir.resolve("m.mhd");
        Files.writeString(mhd, header(DataType.FLOAT32, false, false, "nowhere.raw", ""));
        assertBad(mhd, "nowhere.raw");
        assertThatThrownBy(() -> VolumeIO.read(mhd)).hasMessageStartingWith(mhd.toString()).hasMessageContaining("not found");
    }

    @Test
    void dataFileTooShort() throws IOException {
        byte[] raw = encode(DataType.FLOAT32, ByteOrder.LITTLE_ENDIAN, values(DataType.FLOAT32, 0));
        Files.write(dir.resolve("t.raw"), Arrays.copyOf(raw, raw.length - 1));
        Path mhd = dir.resolve("t.mhd");
        Files.writeString(mhd, header(DataType.FLOAT32, false, false, "t.raw", ""));
        assertBad(mhd, "holds only 95");
        // compressed and cut: the zlib stream ends early
        byte[] z = zlib(raw);
        Files.write(dir.resolve("t.zraw"), Arrays.copyOf(z, z.length / 2));
        Path zm = dir.resolve("tz.mhd");
        Files.writeString(zm, header(DataType.FLOAT32, false, true, "t.zraw", ""));
        assertBad(zm, "ends early");
        // inline data cut short
        Path mha = dir.resolve("t.mha");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        bos.writeBytes(header(DataType.FLOAT32, false, false, "LOCAL", "").getBytes(StandardCharsets.US_ASCII));
        bos.writeBytes(Arrays.copyOf(raw, 10));
        Files.write(mha, bos.toByteArray());
        assertBad(mha, "holds only 10");
    }

    @Test
    void hugeDimSizeIsRefusedBeforeAllocating() throws IOException {
        Files.write(dir.resolve("b.raw"), new byte[100]);
        Path mhd = dir.resolve("b.mhd");
        Files.writeString(mhd, "NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_FLOAT\nElementDataFile = b.raw\n");
        assertBad(mhd, "voxels per channel");
        Files.writeString(mhd, "NDims = 3\nDimSize = 1000 1000 1000\nCompressedData = True\nElementType = MET_FLOAT\nElementDataFile = b.raw\n");
        assertBad(mhd, "compressed file can hold at most");
    }

    @Test
    void malformedHeaders() throws IOException {
        Path mhd = dir.resolve("x.mhd");
        Files.writeString(mhd, "NDims = 3\nDimSize = 4 3 2\nElementType = MET_FLOAT\n");
        assertBad(mhd, "no ElementDataFile");
        Files.writeString(mhd, "NDims = 3\nDimSize = 4 3 2\nElementType = MET_STRING\nElementDataFile = x.raw\n");
        assertBad(mhd, "unsupported ElementType MET_STRING");
        Files.writeString(mhd, "NDims = 2\nDimSize = 4 3\nElementType = MET_FLOAT\nElementDataFile = x.raw\n");
        assertBad(mhd, "NDims is 2");
        Files.writeString(mhd, "NDims = 3\nDimSize = 4 0 2\nElementType = MET_FLOAT\nElementDataFile = x.raw\n");
        assertBad(mhd, "DimSize");
        Files.writeString(mhd, "NDims = 3\nDimSize = 4 3\nElementType = MET_FLOAT\nElementDataFile = x.raw\n");
        assertBad(mhd, "DimSize has 2 values");
        Files.writeString(mhd, "NDims = 3\nDimSize = 4 3 2\nElementType = MET_FLOAT\nElementDataFile = x_%03d.raw\n");
        assertBad(mhd, "not supported");
        Files.write(mhd, new byte[] {0, 1, 2, 3, '\n', 5});
        assertBad(mhd, "not Key = Value");
        assertBad(dir.resolve("absent.mha"), "not found");
    }
}
