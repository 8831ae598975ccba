package dev.unetscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"demo", "synth", "shift", "train", "evaluate", "features", "analyze", "merge", "predict", "report", "inspect", "doctor",
            "bench", "import"})
    void everyCommandHasHelp(String cmd) {
        CliRun r = CliRun.of(cmd, "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: unetscope " + cmd);
        // a bare % in a description is a format error picocli reports and then prints the text unformatted
        assertThat(r.out() + r.err()).doesNotContain("Could not format");
    }

    @Test
    void versionNamesEngine() throws Exception {
        CliRun r = CliRun.of("--version");
        assertThat(r.code()).isZero();
        // independent of DJL's own version code: the versions in the file names of the jars on the class path
        // (Maven's artifactId-version[-classifier].jar), so a stale literal or a wrong lookup fails here
        String djl = jarVersion(ai.djl.engine.Engine.class.getProtectionDomain().getCodeSource().getLocation(), "api-(.+)\\.jar");
        URL nativeProps = CliTest.class.getClassLoader().getResource("native/lib/pytorch.properties");
        assertThat(nativeProps).as("pytorch-native jar on the test class path").isNotNull();
        String jarUrl = nativeProps.toString();
        String pytorch = jarVersion(new URL(jarUrl.substring("jar:".length(), jarUrl.indexOf("!/"))),
                "pytorch-native-[a-z0-9]+-([0-9]+(?:\\.[0-9]+)*)(?:-.*)?\\.jar");
        java.util.List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("unetscope \\S+"); // "dev" from target/classes, the manifest's version from the jar
        assertThat(lines.get(1)).isEqualTo("DJL " + djl + ", PyTorch " + pytorch + ", Java " + System.getProperty("java.version"));
    }

    private static String jarVersion(URL jar, String fileNamePattern) throws Exception {
        String name = Path.of(jar.toURI()).getFileName().toString();
        Matcher m = Pattern.compile(fileNamePattern).matcher(name);
        assertThat(m.matches()).as(name + " matches " + fileNamePattern).isTrue();
        return m.group(1);
    }

    @Test
    void unknownOptionIsOneLineExit2() {
        CliRun r = CliRun.of("synth", "--no-such-flag");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.oneErrorLine()).isTrue();
    }

    @Test
    void inspectJsonReportsStatsAndNaN() throws Exception {
        Volume v = Volume.zeros(4, 3, 2, new double[] {0.5, 0.5, 3});
        v.data()[0] = 2;
        v.data()[1] = -1;
        v.data()[2] = Float.NaN;
        Path f = tmp.resolve("v.nii.gz");
        VolumeIO.write(v, f);
        CliRun r = CliRun.of("inspect", f.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("dims").toString()).isEqualTo("[4,3,2]");
        assertThat(j.get("spacing").get(2).asDouble()).isEqualTo(3.0);
        assertThat(j.get("nanCount").asLong()).isEqualTo(1);
        assertThat(j.get("nonZero").asLong()).isEqualTo(2); // finite non-zero voxels; the NaN is counted apart
        assertThat(j.get("min").asDouble()).isEqualTo(-1.0);
        assertThat(j.get("max").asDouble()).isEqualTo(2.0);
        assertThat(j.get("affine").get(0).get(0).asDouble()).isEqualTo(0.5);
        CliRun text = CliRun.of("inspect", f.toString());
        assertThat(text.out()).contains("4 x 3 x 2").contains("NaN 1");
    }

    @Test
    void truncatedVolumeIsOneLineNamingTheFile() throws Exception {
        Volume v = Volume.zeros(16, 16, 8, new double[] {1, 1, 1});
        Path good = tmp.resolve("good.nii");
        VolumeIO.write(v, good);
        byte[] all = Files.readAllBytes(good);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(all);
        }
        byte[] gzBytes = bo.toByteArray();
        Path bad = tmp.resolve("cut.nii.gz");
        Files.write(bad, java.util.Arrays.copyOf(gzBytes, gzBytes.length / 2));
        CliRun r = CliRun.of("inspect", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.oneErrorLine()).isTrue();
        assertThat(r.err()).contains("cut.nii.gz");
    }

    @Test
    void missingFileIsExit2() {
        CliRun r = CliRun.of("inspect", tmp.resolve("nope.nii.gz").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.oneErrorLine()).isTrue();
        assertThat(r.err()).contains("nope.nii.gz");
    }

    @Test
    void debugPrintsStackTrace() {
        CliRun r = CliRun.of("inspect", "--debug", tmp.resolve("nope.nii.gz").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("at dev.unetscope");
    }

    @Test
    void synthWritesAReadableDatasetAndBadKnobWritesNothing() throws Exception {
        Path out = tmp.resolve("ph");
        CliRun bad = CliRun.of("synth", "--out", out.toString(), "--cases", "3", "--shift", "loudness=3");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.oneErrorLine()).isTrue();
        assertThat(bad.err()).contains("loudness");
        assertThat(out).doesNotExist();

        CliRun r = CliRun.of("synth", "--out", out.toString(), "--cases", "3", "--seed", "5", "--dims", "32,32,12");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode ds = new ObjectMapper().readTree(out.resolve("dataset.json").toFile());
        assertThat(ds.get("numTraining").asInt()).isEqualTo(3);
        Path img = out.resolve(ds.get("training").get(0).get("image").asText());
        assertThat(VolumeIO.read(img).dims()).containsExactly(32, 32, 12);

        // an existing dataset is not replaced without --overwrite, and survives a failed overwrite
        byte[] before = Files.readAllBytes(out.resolve("dataset.json"));
        CliRun again = CliRun.of("synth", "--out", out.toString(), "--cases", "3");
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("--overwrite");
        CliRun failed = CliRun.of("synth", "--out", out.toString(), "--cases", "3", "--overwrite", "--shift", "noise=-1");
        assertThat(failed.code()).isEqualTo(2);
        assertThat(Files.readAllBytes(out.resolve("dataset.json"))).isEqualTo(before);
    }

    @Test
    void shiftChangesImagesKeepsMasks() throws Exception {
        Path src = tmp.resolve("src");
        assertThat(CliRun.of("synth", "--out", src.toString(), "--cases", "2", "--dims", "32,32,12").code()).isZero();
        Path dst = tmp.resolve("dst");
        CliRun r = CliRun.of("shift", "--data", src.toString(), "--out", dst.toString(), "--shift-preset", "scanner-b");
        assertThat(r.code()).as(r.err()).isZero();
        String name = "phantom_0000.nii.gz";
        Volume a = VolumeIO.read(src.resolve("imagesTr").resolve(name));
        Volume b = VolumeIO.read(dst.resolve("imagesTr").resolve(name));
        assertThat(b.data()).isNotEqualTo(a.data());
        assertThat(VolumeIO.read(dst.resolve("labelsTr").resolve(name)).data())
                .containsExactly(VolumeIO.read(src.resolve("labelsTr").resolve(name)).data());
        CliRun phantomOnly = CliRun.of("shift", "--data", src.toString(), "--out", tmp.resolve("x").toString(), "--shift", "gland_contrast=0.5");
        assertThat(phantomOnly.code()).isEqualTo(2);
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void shiftAtASeverityLevelIsItsKnobSettingAndBadLevelsAreExit2() throws Exception {
        Path src = tmp.resolve("src");
        assertThat(CliRun.of("synth", "--out", src.toString(), "--cases", "1", "--dims", "24,24,8").code()).isZero();
        Path level = tmp.resolve("level"), knobs = tmp.resolve("knobs");
        CliRun r = CliRun.of("shift", "--data", src.toString(), "--out", level.toString(), "--shift-preset", "scanner-b@4", "--seed", "5");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("noise=4,bias=4.6,gamma=0.5,blur=2.8,scale=3");
        assertThat(CliRun.of("shift", "--data", src.toString(), "--out", knobs.toString(), "--seed", "5",
                "--shift", "noise=4", "--shift", "bias=4.6", "--shift", "gamma=0.5", "--shift", "blur=2.8", "--shift", "scale=3").code()).isZero();
        String name = "phantom_0000.nii.gz";
        assertThat(VolumeIO.read(level.resolve("imagesTr").resolve(name)).data())
                .containsExactly(VolumeIO.read(knobs.resolve("imagesTr").resolve(name)).data());
        JsonNode prov = new ObjectMapper().readTree(level.resolve("dataset.json").toFile()).path("unetscope").path("shift");
        assertThat(prov.path("bias").asDouble()).isEqualTo(4.6);

        Path out = tmp.resolve("bad");
        for (String bad : List.of("noisy@0", "noisy@6", "nosy@3", "noisy@x", "very-noisy@2", "neutral@1", "noisy@")) {
            for (String cmd : List.of("shift", "synth")) {
                CliRun b = cmd.equals("shift")
                        ? CliRun.of("shift", "--data", src.toString(), "--out", out.toString(), "--shift-preset", bad)
                        : CliRun.of("synth", "--out", out.toString(), "--cases", "1", "--dims", "24,24,8", "--shift-preset", bad);
                assertThat(b.code()).as(cmd + " " + bad + ": " + b.err()).isEqualTo(2);
                assertThat(b.oneErrorLine()).as(b.err()).isTrue();
                assertThat(b.err()).contains(bad.substring(0, bad.indexOf('@')));
                assertThat(out).doesNotExist();
            }
        }
        assertThat(CliRun.of("synth", "--out", out.toString(), "--cases", "1", "--shift-preset", "noisy@9").err())
                .contains("level 9").contains("1 to 5");
    }

    @Test
    void shiftOnMissingOrEmptyOrBrokenDatasetIsExit2AndWritesNothing() throws Exception {
        Path out = tmp.resolve("out");
        CliRun missing = CliRun.of("shift", "--data", tmp.resolve("nowhere").toString(), "--out", out.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("nowhere").contains("does not exist");

        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty.resolve("images"));
        CliRun e = CliRun.of("shift", "--data", empty.toString(), "--out", out.toString());
        assertThat(e.code()).isEqualTo(2);
        assertThat(e.err()).contains("images").contains("is empty");

        Path broken = tmp.resolve("broken");
        assertThat(CliRun.of("synth", "--out", broken.toString(), "--cases", "2", "--dims", "32,32,12").code()).isZero();
        Files.delete(broken.resolve("labelsTr").resolve("phantom_0001.nii.gz"));
        CliRun b = CliRun.of("shift", "--data", broken.toString(), "--out", out.toString());
        assertThat(b.code()).isEqualTo(2);
        assertThat(b.oneErrorLine()).isTrue();
        assertThat(b.err()).contains("dataset.json").contains("phantom_0001.nii.gz").contains("does not exist");
        assertThat(out).doesNotExist();
    }

    @Test
    void maskOfAnotherShapeIsExit2() throws Exception {
        Path ds = tmp.resolve("folder");
        Files.createDirectories(ds.resolve("images"));
        Files.createDirectories(ds.resolve("labels"));
        Volume img = Volume.zeros(8, 8, 4, new double[] {1, 1, 1});
        img.data()[3] = 5;
        VolumeIO.write(img, ds.resolve("images").resolve("a.nii.gz"));
        VolumeIO.write(Volume.zeros(8, 8, 5, new double[] {1, 1, 1}), ds.resolve("labels").resolve("a.nii.gz"));
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("shift", "--data", ds.toString(), "--out", out.toString(), "--shift", "noise=2");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.oneErrorLine()).isTrue();
        assertThat(r.err()).contains("a.nii.gz").contains("8x8x5").contains("8x8x4");
        assertThat(out).doesNotExist();
        // and a mask on the same dims but another affine
        double[] aff = Volume.diagonalAffine(new double[] {1, 1, 1});
        aff[3] = 10;
        VolumeIO.write(new Volume(8, 8, 4, new float[256], new double[] {1, 1, 1}, aff), ds.resolve("labels").resolve("a.nii.gz"));
        CliRun r2 = CliRun.of("shift", "--data", ds.toString(), "--out", out.toString(), "--shift", "noise=2");
        assertThat(r2.code()).isEqualTo(2);
        assertThat(r2.err()).contains("a.nii.gz").contains("mask origin (10, 0, 0)");
        assertThat(out).doesNotExist();
    }

    @Test
    void demoMakesAnExperimentWithSplitAndPairedQuerySets() throws Exception {
        Path exp = tmp.resolve("exp");
        CliRun r = CliRun.of("demo", "--out", exp.toString(), "--cases", "6", "--seed", "3", "--data-only");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("split 4 train / 1 val / 1 test").contains("scanner-b");
        JsonNode cfg = new ObjectMapper().readTree(exp.resolve("experiment.json").toFile());
        assertThat(cfg.path("preprocessing").path("targetShape").toString()).isEqualTo("[64,64,24]");
        assertThat(cfg.path("queries").has("scanner-b@2")).isTrue();
        // each shifted set records its preset, level and knobs
        assertThat(cfg.path("queries").path("scanner-b@5").path("preset").asText()).isEqualTo("scanner-b");
        assertThat(cfg.path("queries").path("scanner-b@5").path("level").asInt()).isEqualTo(5);
        assertThat(cfg.path("queries").path("scanner-b@5").path("shift").path("noise").asDouble()).isEqualTo(6.0);
        List<String> names = new ArrayList<>();
        cfg.path("queries").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("test", "noisy@2", "noisy@5", "blurred@2", "blurred@5", "scanner-b@2", "scanner-b@5");
        assertThat(cfg.path("versions").path("pytorch").asText()).isEqualTo("2.7.1");
        JsonNode splits = new ObjectMapper().readTree(exp.resolve("splits.json").toFile());
        String testCase = splits.get("test").get(0).asText();
        // the shifted query set holds the same test case with the same mask and another image
        Path q = exp.resolve("data/query/scanner-b@2");
        Volume m0 = VolumeIO.read(exp.resolve("data/phantoms/labelsTr/" + testCase + ".nii.gz"));
        Volume m1 = VolumeIO.read(q.resolve("labelsTr/" + testCase + ".nii.gz"));
        assertThat(m1.data()).containsExactly(m0.data());
        assertThat(VolumeIO.read(q.resolve("imagesTr/" + testCase + ".nii.gz")).data())
                .isNotEqualTo(VolumeIO.read(exp.resolve("data/phantoms/imagesTr/" + testCase + ".nii.gz")).data());
        // re-running reuses the data (same bytes)
        byte[] before = Files.readAllBytes(q.resolve("imagesTr/" + testCase + ".nii.gz"));
        assertThat(CliRun.of("demo", "--out", exp.toString(), "--cases", "6", "--seed", "3", "--data-only").code()).isZero();
        assertThat(Files.readAllBytes(q.resolve("imagesTr/" + testCase + ".nii.gz"))).isEqualTo(before);
    }

    @Test
    void notAnExperimentFolderIsExit2() throws Exception {
        Path f = tmp.resolve("file");
        Files.writeString(f, "x");
        CliRun r = CliRun.of("demo", "--out", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.oneErrorLine()).isTrue();
    }

    @Test
    void demoOnARealDatasetShiftsItsTestSplit() throws Exception {
        Path real = tmp.resolve("Task05");
        assertThat(CliRun.of("synth", "--out", real.toString(), "--cases", "6", "--dims", "40,40,12", "--spacing", "1,1,3").code()).isZero();
        Path exp = tmp.resolve("exp");
        CliRun r = CliRun.of("demo", "--out", exp.toString(), "--data", real.toString(), "--spacing", "2,2,3", "--shape", "24,24,8", "--data-only");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode cfg = new ObjectMapper().readTree(exp.resolve("experiment.json").toFile());
        assertThat(cfg.path("queries").has("scanner-b@2")).isTrue();
        List<String> names = new ArrayList<>();
        cfg.path("queries").fieldNames().forEachRemaining(names::add);
        // the same shifted sets as on phantoms (none of the demo's presets changes anatomy)
        assertThat(names).containsExactly("test", "noisy@2", "noisy@5", "blurred@2", "blurred@5", "scanner-b@2", "scanner-b@5");
        assertThat(cfg.path("queries").path("blurred@5").path("shift").path("blur").asDouble()).isEqualTo(4.0);
        JsonNode ds = new ObjectMapper().readTree(exp.resolve("data/query/scanner-b@2/dataset.json").toFile());
        assertThat(ds.get("numTraining").asInt()).isEqualTo(1);
    }
}
