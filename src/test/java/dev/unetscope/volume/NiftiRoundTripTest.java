package dev.unetscope.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NiftiRoundTripTest {
    @TempDir Path dir;

    /** Affines whose entries are exact in float32, so the round trip must be bit-identical. */
    static Stream<Arguments> exactAffines() {
        return Stream.of(
                Arguments.of("diagonal", new double[] {1.5, 0, 0, -10, 0, 2, 0, 20.25, 0, 0, 3, 5, 0, 0, 0, 1}, new double[] {1.5, 2, 3}),
                Arguments.of("flipped", new double[] {-2, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2.5, -72, 0, 0, 0, 1}, new double[] {2, 2, 2.5}),
                Arguments.of("permuted", new double[] {0, 0, 1.25, 7, -1, 0, 0, 8, 0, 0.5, 0, 9, 0, 0, 0, 1}, new double[] {1, 0.5, 1.25}),
                Arguments.of("sheared", new double[] {1, 0.25, 0, 0, 0, 1, 0.125, 0, 0, 0, 1, 0, 0, 0, 0, 1}, new double[] {1, 1, 1}));
    }

    @ParameterizedTest(name = "{0} {3}")
    @MethodSource("cases")
    void roundTripIsExact(String label, double[] affine, double[] spacing, String ext) {
        Volume v = randomVolume(9, 7, 5, spacing, affine, 42);
        Path p = dir.resolve("v" + ext);
        VolumeIO.write(v, p);
        LoadedVolume back = VolumeIO.load(p, 0);
        assertThat(back.format()).isEqualTo("nifti-1");
        assertThat(back.datatype()).isEqualTo("float32");
        assertThat(back.channels()).isEqualTo(1);
        assertThat(back.volume().dims()).containsExactly(9, 7, 5);
        assertThat(back.volume().data()).containsExactly(v.data());
        assertThat(back.volume().spacing()).containsExactly(spacing);
        assertThat(back.volume().affine()).containsExactly(affine);
    }

    static Stream<Arguments> cases() {
        return exactAffines().flatMap(a -> Stream.of(".nii", ".nii.gz").map(ext -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], ext)));
    }

    @Test
    void obliqueAffineSurvivesToFloat32Precision() {
        double[] affine = oblique(0.8, 0.9, 1.25, 12.5, -30, 41);
        Volume v = randomVolume(6, 5, 4, new double[] {0.8, 0.9, 1.25}, affine, 7);
        Path p = dir.resolve("oblique.nii.gz");
        VolumeIO.write(v, p);
        Volume back = VolumeIO.read(p);
        assertThat(back.data()).containsExactly(v.data());
        for (int i = 0; i < 16; i++) assertThat(back.affine()[i]).isCloseTo(affine[i], within(1e-6));
    }

    /** The written qform alone (sform_code zeroed) must give the same affine for a rigid one. */
    @Test
    void qformMatchesSformForRigidAffines() throws IOException {
        double[][] affines = {
            oblique(0.8, 0.9, 1.25, 12.5, -30, 41),
            {-2, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2.5, -72, 0, 0, 0, 1}, // x flip: det < 0 goes into qfac
            {0, 0, 1.25, 7, -1, 0, 0, 8, 0, 0.5, 0, 9, 0, 0, 0, 1},
            {-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, // 180 degrees about z: a = 0
        };
        for (double[] affine : affines) {
            double[] spacing = columnNorms(affine);
            Volume v = randomVolume(3, 3, 3, spacing, affine, 1);
            Path p = dir.resolve("q.nii");
            NiftiWriter.write(v, p);
            byte[] bytes = Files.readAllBytes(p);
            bytes[254] = 0; bytes[255] = 0; // sform_code = 0 (little endian short)
            Files.write(p, bytes);
            double[] fromQform = VolumeIO.read(p).affine();
            for (int i = 0; i < 16; i++) assertThat(fromQform[i]).as("entry %d", i).isCloseTo(affine[i], within(1e-5));
        }
    }

    @Test
    void masksRoundTripAsUint8AndInt16() {
        float[] mask = new float[4 * 3 * 2];
        for (int i = 0; i < mask.length; i++) mask[i] = i % 3;
        Volume v = new Volume(4, 3, 2, mask, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        for (DataType t : new DataType[] {DataType.UINT8, DataType.INT16}) {
            Path p = dir.resolve("mask-" + t.label() + ".nii.gz");
            NiftiWriter.write(v, p, t);
            LoadedVolume back = NiftiReader.read(p, 0);
            assertThat(back.datatype()).isEqualTo(t.label());
            assertThat(back.volume().data()).containsExactly(mask);
        }
    }

    @Test
    void integerTypeRefusesNonIntegerValuesAndWritesNothing() {
        Volume v = new Volume(2, 1, 1, new float[] {1, 0.5f}, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        Path p = dir.resolve("bad-mask.nii");
        assertThatThrownBy(() -> NiftiWriter.write(v, p, DataType.UINT8)).isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.toFile().list()).isEmpty(); // no partial file, no leftover temp file
    }

    @Test
    void nanAndInfVoxelsAreKept() {
        float[] d = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 3};
        Volume v = new Volume(5, 1, 1, d, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        Path p = dir.resolve("nan.nii");
        VolumeIO.write(v, p);
        assertThat(VolumeIO.read(p).data()).containsExactly(d);
    }

    @Test
    void bigEndianScaledFourDimensionalFileReadsTheChosenChannel() throws IOException {
        NiftiBytes nb = new NiftiBytes();
        nb.order = ByteOrder.BIG_ENDIAN;
        nb.dim = new short[] {4, 2, 2, 1, 3, 1, 1, 1};
        nb.pixdim = new float[] {1, 0.5f, 0.75f, 2, 1, 1, 1, 1};
        nb.slope = 2;
        nb.inter = -1;
        nb.values(DataType.INT16, 0, 1, 2, 3, 10, 11, 12, 13, -5, -6, -7, -8);
        Path p = dir.resolve("be4d.nii");
        Files.write(p, nb.build());
        LoadedVolume c1 = VolumeIO.load(p, 1);
        assertThat(c1.channels()).isEqualTo(3);
        assertThat(c1.datatype()).isEqualTo("int16");
        assertThat(c1.volume().data()).containsExactly(19, 21, 23, 25);
        assertThat(VolumeIO.read(p, 2).data()).containsExactly(-11, -13, -15, -17);
        // no sform or qform: diag(pixdim)
        assertThat(c1.volume().affine()).containsExactly(0.5, 0, 0, 0, 0, 0.75, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1);
        assertThat(c1.volume().spacing()).containsExactly(0.5, 0.75, 2);
    }

    @Test
    void slopeZeroMeansNoScalingAndVoxOffsetIsHonoured() throws IOException {
        NiftiBytes nb = new NiftiBytes();
        nb.dim = new short[] {3, 3, 1, 1, 1, 1, 1, 1};
        nb.slope = 0;
        nb.inter = 100;
        nb.voxOffset = 400; // e.g. after an extension
        nb.values(DataType.UINT32, 1, 2, 4e9);
        Path p = dir.resolve("off.nii.gz");
        Files.write(p, NiftiBytes.gzip(nb.build()));
        assertThat(VolumeIO.read(p).data()).containsExactly(1, 2, 4e9f);
    }

    @Test
    void qformOnlyFileUsesQuaternionAndQfac() throws IOException {
        NiftiBytes nb = new NiftiBytes();
        nb.dim = new short[] {3, 1, 1, 1, 1, 1, 1, 1};
        nb.qformCode = 1;
        nb.pixdim = new float[] {-1, 2, 3, 4, 1, 1, 1, 1}; // qfac -1 flips z
        // 90 degrees about z: a = b = 0, c = 0, d = sin(45) -> b,c,d = (0, 0, 0.7071)
        nb.quat = new float[] {0, 0, (float) Math.sqrt(0.5), 5, 6, 7};
        nb.values(DataType.FLOAT32, 1);
        Path p = dir.resolve("q.nii");
        Files.write(p, nb.build());
        double[] a = VolumeIO.read(p).affine();
        double[] expected = {0, -3, 0, 5, 2, 0, 0, 6, 0, 0, -4, 7, 0, 0, 0, 1};
        for (int i = 0; i < 16; i++) assertThat(a[i]).as("entry %d", i).isCloseTo(expected[i], within(1e-6));
    }

    static double[] oblique(double sx, double sy, double sz, double tx, double ty, double tz) {
        double a = Math.toRadians(20), b = Math.toRadians(-13);
        double[] rz = {Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1};
        double[] rx = {1, 0, 0, 0, Math.cos(b), -Math.sin(b), 0, Math.sin(b), Math.cos(b)};
        double[] s = {sx, sy, sz};
        double[] m = new double[16];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double r = 0;
                for (int k = 0; k < 3; k++) r += rz[3 * i + k] * rx[3 * k + j];
                m[4 * i + j] = r * s[j];
            }
        }
        m[3] = tx; m[7] = ty; m[11] = tz; m[15] = 1;
        return m;
    }

    static double[] columnNorms(double[] a) {
        double[] n = new double[3];
        for (int j = 0; j < 3; j++) n[j] = Math.sqrt(a[j] * a[j] + a[4 + j] * a[4 + j] + a[8 + j] * a[8 + j]);
        return n;
    }

    static Volume randomVolume(int nx, int ny, int nz, double[] spacing, double[] affine, long seed) {
        Random r = new Random(seed);
        float[] d = new float[nx * ny * nz];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian() * 100;
        return new Volume(nx, ny, nz, d, spacing, affine);
    }
}
