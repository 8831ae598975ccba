package dev.unetscope.volume;

import dev.unetscope.ReferencePython;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares our reader and writer with nibabel, the reference NIfTI implementation. Python with
 * numpy and nibabel is a hard requirement: when missing this test fails (CI installs them), so a
 * broken environment can never pass silently. Override the interpreter with -Dunetscope.python=...
 */
class NibabelReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void readsWhatNibabelWrites() throws Exception {
        Path out = Files.createDirectory(dir.resolve("ref"));
        JsonNode cases = JSON.readTree(python("make_nifti.py", out.toString()));
        assertThat(cases.size()).isGreaterThanOrEqualTo(10);
        List<String> datatypes = new ArrayList<>();
        for (JsonNode c : cases) {
            String file = c.get("file").asText();
            LoadedVolume lv = VolumeIO.load(out.resolve(file), 0);
            Volume v = lv.volume();
            JsonNode shape = c.get("shape");
            assertThat(v.dims()).as(file + " shape").containsExactly(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt());
            assertThat(lv.channels()).as(file + " channels").isEqualTo(shape.size() > 3 ? shape.get(3).asInt() : 1);
            assertThat(lv.datatype()).as(file + " datatype").isEqualTo(c.get("datatype").asText());
            for (int i = 0; i < 3; i++) {
                assertThat(v.spacing()[i]).as(file + " spacing " + i).isCloseTo(c.get("zooms").get(i).asDouble(), within(1e-6));
            }
            assertAffine(file, v.affine(), c.get("affine"));
            double expected = c.get("sum").asDouble();
            assertThat(sum(v)).as(file + " voxel sum").isCloseTo(expected, within(Math.abs(expected) * 1e-6));
            datatypes.add(lv.datatype());
        }
        assertThat(datatypes).contains("uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "float32", "float64");
    }

    @Test
    void nibabelReadsWhatWeWrite() throws Exception {
        double[] affine = NiftiRoundTripTest.oblique(0.8, 0.9, 1.25, 12.5, -30, 41);
        affine[0] = -affine[0]; affine[4] = -affine[4]; affine[8] = -affine[8]; // x column flipped: det < 0
        Volume v = NiftiRoundTripTest.randomVolume(11, 9, 7, NiftiRoundTripTest.columnNorms(affine), affine, 99);
        Path p = dir.resolve("java.nii.gz");
        VolumeIO.write(v, p);
        JsonNode r = JSON.readTree(python("read_nifti.py", p.toString()));
        assertThat(r.get("shape").size()).isEqualTo(3);
        assertThat(new int[] {r.get("shape").get(0).asInt(), r.get("shape").get(1).asInt(), r.get("shape").get(2).asInt()})
                .containsExactly(11, 9, 7);
        assertThat(r.get("datatype").asText()).isEqualTo("float32");
        assertAffine("sform", affine, r.get("affine"));
        assertAffine("qform", affine, r.get("qform")); // our quaternion, decoded by nibabel
        assertThat(r.get("sum").asDouble()).isCloseTo(sum(v), within(Math.abs(sum(v)) * 1e-6));
        for (int i = 0; i < 3; i++) assertThat(r.get("zooms").get(i).asDouble()).isCloseTo(v.spacing()[i], within(1e-6));
    }

    private static void assertAffine(String what, double[] actual, JsonNode expected) {
        assertThat(expected.size()).isEqualTo(16);
        for (int i = 0; i < 16; i++) {
            assertThat(actual[i]).as(what + " affine[" + i / 4 + "][" + i % 4 + "]").isCloseTo(expected.get(i).asDouble(), within(1e-5));
        }
    }

    private static double sum(Volume v) {
        double s = 0;
        for (float f : v.data()) s += f;
        return s;
    }

    private String python(String script, String arg) throws IOException, InterruptedException {
        return ReferencePython.run(dir, script, arg, "numpy and nibabel", 120);
    }
}
