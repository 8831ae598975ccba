package dev.unetscope.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unetscope.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed file must end in one BadInputException naming the file, never OOM or EOFException. */
class NiftiBadInputTest {
    @TempDir Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertBad(Path p, int channel) {
        return assertThatThrownBy(() -> VolumeIO.read(p, channel))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(p.toString() + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
                .satisfies(e -> assertThat(((BadInputException) e).path()).isEqualTo(p));
    }

    private static NiftiBytes cube() {
        return new NiftiBytes().values(DataType.FLOAT32, new double[4 * 3 * 2]);
    }

    @Test
    void truncatedGzipStream() throws IOException {
        NiftiBytes nb = new NiftiBytes();
        nb.dim = new short[] {3, 40, 40, 40, 1, 1, 1, 1};
        double[] v = new double[40 * 40 * 40];
        for (int i = 0; i < v.length; i++) v[i] = Math.sin(i); // incompressible enough to span many blocks
        byte[] gz = NiftiBytes.gzip(nb.values(DataType.FLOAT32, v).build());
        for (int keep : new int[] {gz.length / 2, gz.length - 4, 200}) {
            Path p = write("cut" + keep + ".nii.gz", Arrays.copyOf(gz, keep));
            // a deep cut is refused up front (the rest cannot hold the claim), a shallow one while reading
            assertBad(p, 0).satisfies(e -> assertThat(e.getMessage()).containsAnyOf("ends early", "compressed file can hold"));
        }
    }

    @Test
    void gzipMissingOnlyItsTrailerIsStillCaught() throws IOException {
        byte[] gz = NiftiBytes.gzip(cube().build());
        Path p = write("notrailer.nii.gz", Arrays.copyOf(gz, gz.length - 8));
        assertBad(p, 0).hasMessageContaining("ends early");
    }

    @Test
    void wrongMagic() throws IOException {
        NiftiBytes nb = cube();
        nb.magic = "xyz\0";
        assertBad(write("magic.nii", nb.build()), 0).hasMessageContaining("magic").hasMessageContaining("n+1");
    }

    @Test
    void analyzePairMagicIsExplained() throws IOException {
        NiftiBytes nb = cube();
        nb.magic = "ni1\0";
        assertBad(write("pair.nii", nb.build()), 0).hasMessageContaining(".img");
    }

    @Test
    void notANiftiHeaderAtAll() throws IOException {
        NiftiBytes nb = cube();
        nb.sizeofHdr = 1234;
        assertBad(write("size.nii", nb.build()), 0).hasMessageContaining("sizeof_hdr");
        assertBad(write("tiny.nii", new byte[] {1, 2, 3}), 0).hasMessageContaining("too short");
        assertBad(write("empty.nii.gz", NiftiBytes.gzip(new byte[10])), 0).hasMessageContaining("too short");
    }

    @Test
    void zeroOrNegativeDims() throws IOException {
        NiftiBytes nb = cube();
        nb.dim = new short[] {3, 4, 0, 2, 1, 1, 1, 1};
        assertBad(write("zero.nii", nb.build()), 0).hasMessageContaining("dim[2] is 0");
        nb.dim = new short[] {3, 4, 3, -2, 1, 1, 1, 1};
        assertBad(write("neg.nii.gz", NiftiBytes.gzip(nb.build())), 0).hasMessageContaining("dim[3] is -2");
        nb.dim = new short[] {0, 4, 3, 2, 1, 1, 1, 1};
        assertBad(write("dim0.nii", nb.build()), 0).hasMessageContaining("dim[0]");
    }

    @Test
    void headerClaimsMoreVoxelsThanTheFileHolds() throws IOException {
        NiftiBytes nb = cube();
        nb.dim = new short[] {3, 10, 10, 10, 1, 1, 1, 1};
        assertBad(write("short.nii", nb.build()), 0).hasMessageContaining("4000 bytes").hasMessageContaining("holds only 96");
        // compressed: the stream ends early while voxels are being read
        assertBad(write("short.nii.gz", NiftiBytes.gzip(nb.build())), 0).hasMessageContaining("ends early");
    }

    @Test
    void missingLaterChannelIsCaughtEvenWhenReadingChannelZero() throws IOException {
        NiftiBytes nb = cube();
        nb.dim = new short[] {4, 4, 3, 2, 2, 1, 1, 1}; // claims 2 channels, holds 1
        assertBad(write("ch.nii.gz", NiftiBytes.gzip(nb.build())), 0).hasMessageContaining("ends early");
        assertBad(write("ch.nii", nb.build()), 0).hasMessageContaining("holds only");
    }

    @Test
    void hugeClaimsAreRefusedBeforeAllocating() throws IOException {
        NiftiBytes nb = cube();
        nb.dim = new short[] {3, 32767, 32767, 32767, 1, 1, 1, 1}; // 3.5e13 voxels (dims are shorts)
        assertBad(write("huge.nii", nb.build()), 0).hasMessageContaining("voxels per channel");
        assertBad(write("huge.nii.gz", NiftiBytes.gzip(nb.build())), 0).hasMessageContaining("voxels per channel");
        nb.dim = new short[] {3, 1000, 1000, 1000, 1, 1, 1, 1}; // 1e9 voxels: fits an array, not the file
        assertBad(write("big.nii", nb.build()), 0).hasMessageContaining("holds only");
        assertBad(write("big.nii.gz", NiftiBytes.gzip(nb.build())), 0).hasMessageContaining("compressed file can hold at most");
        nb.dim = new short[] {4, 1000, 1000, 1000, 30000, 1, 1, 1}; // overflowing byte count across channels
        assertBad(write("many.nii", nb.build()), 0).hasMessageContaining("holds only");
    }

    @Test
    void unsupportedDatatype() throws IOException {
        for (int code : new int[] {128, 32, 1280, 0, 2304}) {
            NiftiBytes nb = cube();
            nb.datatype = code;
            assertBad(write("dt" + code + ".nii", nb.build()), 0).hasMessageContaining("unsupported datatype " + code);
        }
    }

    @Test
    void channelOutOfRange() throws IOException {
        Path p = write("c.nii", cube().build());
        assertBad(p, 1).hasMessageContaining("channel 1 is out of range").hasMessageContaining("1 channel");
        assertBad(p, -1).hasMessageContaining("channel -1");
    }

    @Test
    void badVoxOffset() throws IOException {
        NiftiBytes nb = cube();
        nb.voxOffset = -4;
        assertBad(write("vo.nii", nb.build()), 0).hasMessageContaining("vox_offset");
    }

    @Test
    void voxOffsetBeyondTheEnd() throws IOException {
        NiftiBytes nb = cube();
        byte[] bytes = nb.build();
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(108, 100000f);
        assertBad(write("far.nii", bytes), 0).hasMessageContaining("holds only");
        assertBad(write("far.nii.gz", NiftiBytes.gzip(bytes)), 0).hasMessageContaining("compressed file can hold at most about 0");
    }

    @Test
    void fileMissingAndUnknownExtension() throws IOException {
        assertBad(dir.resolve("absent.nii.gz"), 0).hasMessageContaining("not found");
        assertBad(write("image.png", new byte[10]), 0).hasMessageContaining("unknown volume file type");
        assertBad(dir.resolve("absent.txt"), 0).hasMessageContaining("unknown volume file type");
        // the readers themselves also map a missing file
        Path gone = dir.resolve("gone.nii");
        assertThatThrownBy(() -> NiftiReader.read(gone, 0)).isInstanceOf(BadInputException.class).hasMessageContaining("not found");
    }

    @Test
    void writingAnUnknownExtensionIsRefused() {
        Volume v = Volume.zeros(2, 2, 2, new double[] {1, 1, 1});
        Path p = dir.resolve("out.nrrd");
        assertThatThrownBy(() -> VolumeIO.write(v, p)).isInstanceOf(BadInputException.class).hasMessageContaining(".nii");
        assertThat(dir.toFile().list()).isEmpty();
    }
}
