package dev.unetscope.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unetscope.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeIOTest {
    @TempDir Path dir;

    @Test
    void recognisesVolumeFileNames() {
        for (String ok : new String[] {"a.nii", "a.nii.gz", "A.NII.GZ", "b.mhd", "c.mha", "dir/x.y.nii"}) {
            assertThat(VolumeIO.isVolumeFile(Path.of(ok))).as(ok).isTrue();
        }
        for (String no : new String[] {"a.gz", "a.nii.bak", "b.raw", "a.hdr", "a.img", "nii", "a.niigz"}) {
            assertThat(VolumeIO.isVolumeFile(Path.of(no))).as(no).isFalse();
        }
    }

    @Test
    void writeReplacesAnExistingFileWhole() throws IOException {
        Path p = dir.resolve("v.nii.gz");
        Files.writeString(p, "old");
        Volume v = Volume.zeros(3, 2, 1, new double[] {1, 2, 3});
        v.set(2, 1, 0, 5);
        VolumeIO.write(v, p);
        assertThat(VolumeIO.read(p).get(2, 1, 0)).isEqualTo(5);
        assertThat(dir.toFile().list()).containsExactly("v.nii.gz");
    }

    @Test
    void folderIsNotAVolume() throws IOException {
        Path p = Files.createDirectory(dir.resolve("d.nii"));
        assertThatThrownBy(() -> VolumeIO.read(p)).isInstanceOf(BadInputException.class).hasMessageContaining("folder");
    }

    @Test
    void gzippedFileNamedNiiIsStillRead() throws IOException {
        Volume v = Volume.zeros(2, 2, 2, new double[] {1, 1, 1});
        v.set(1, 1, 1, 7);
        Path gz = dir.resolve("v.nii.gz");
        VolumeIO.write(v, gz);
        Path misnamed = dir.resolve("v.nii");
        Files.copy(gz, misnamed);
        assertThat(VolumeIO.read(misnamed).data()).containsExactly(v.data());
    }
}
