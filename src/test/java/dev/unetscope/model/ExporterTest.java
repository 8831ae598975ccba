package dev.unetscope.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.ReferencePython;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped exporter ({@code python/unetscope_export.py}) run with Debian's Python and torch:
 * the six exports of {@code reference/exporter_fixtures.py} (a MONAI-topology UNet and an
 * nnU-Net-style UNet with an anisotropic first down-sampling, checkpoints 1, 3, 6) have the sidecar
 * unetscope's importer reads (tap names, channels, per-axis strides, size divisor, SHA-256 of the
 * file); reloaded with {@code torch.jit.load} they reproduce eager PyTorch's probabilities and taps on
 * another input size within the exporter's tolerance (1e-5 absolute plus 1e-5 relative to the value: the
 * default traces sum in oneDNN's order, not eager's); the command line builds networks from state dicts (.pth and
 * .safetensors), lists modules, and refuses bad exports with one line on stderr, exit 2, nothing
 * written. The committed MONAI fixture ({@code fixtures/monai-unet}, made with MONAI's own UNet)
 * reproduces its recorded outputs. A missing {@code /usr/bin/python3} or torch fails, never skips.
 */
class ExporterTest {
    static final Path EXPORTER = Path.of("python", "unetscope_export.py").toAbsolutePath();
    static final Path REFERENCE = Path.of("src", "test", "resources", "reference").toAbsolutePath();
    static final Path MONAI_FIXTURE = Path.of("src", "test", "resources", "fixtures", "monai-unet").toAbsolutePath();
    static final double TOLERANCE = 1e-5;
    static final List<String> STEPS = List.of("step-000001", "step-000003", "step-000006");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    record Result(int exitCode, String stdout, String stderr) {}

    /** Runs Debian's Python with the reference folder on PYTHONPATH; fails the test on a timeout. */
    static Result python(Path workDir, int timeoutSeconds, String... args) throws IOException, InterruptedException {
        assertThat(Files.isExecutable(ReferencePython.PYTHON))
                .as(ReferencePython.PYTHON + " is missing: install python3 with torch and numpy (CI does)").isTrue();
        List<String> cmd = new ArrayList<>();
        cmd.add(ReferencePython.PYTHON.toString());
        cmd.addAll(List.of(args));
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PYTHONPATH", REFERENCE.toString());
        pb.environment().put("UNETSCOPE_PYTHON_DIR", EXPORTER.getParent().toString());
        pb.environment().put("OMP_NUM_THREADS", "2");
        Process proc = pb.start();
        boolean done = proc.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) proc.destroyForcibly().waitFor();
        assertThat(done).as(String.join(" ", cmd) + " ran over " + timeoutSeconds + " s").isTrue();
        Result r = new Result(proc.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Result exporter(Path workDir, String... args) throws IOException, InterruptedException {
        String[] all = Stream.concat(Stream.of(EXPORTER.toString()), Stream.of(args)).toArray(String[]::new);
        return python(workDir, 120, all);
    }

    static void assertOk(Result r, String what) {
        assertThat(r.exitCode()).as(what + " failed (are torch and numpy installed for " + ReferencePython.PYTHON + "?):\n" + r.stderr())
                .isZero();
    }

    @BeforeAll
    static void exportTheFixtures() throws Exception {
        Result r = python(dir, 300, REFERENCE.resolve("exporter_fixtures.py").toString(), dir.toString());
        assertOk(r, "exporter_fixtures.py");
        assertThat(r.stdout().lines()).hasSize(6);
    }

    static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static List<String> names(JsonNode taps, String field) {
        List<String> out = new ArrayList<>();
        taps.forEach(t -> out.add(t.get(field).toString().replace("\"", "")));
        return out;
    }

    static void assertSidecar(Path pt, List<String> tapNames, List<String> channels, List<String> strides, String divisor)
            throws Exception {
        JsonNode s = JSON.readTree(Files.readString(Path.of(pt.toString().replaceAll("\\.pt$", ".json"))));
        assertThat(s.get("format").asText()).isIn("unetscope-torchscript/2", "unetscope-torchscript/1");
        assertThat(s.get("input_channels").asInt()).isEqualTo(1);
        assertThat(s.get("outputs").toString()).isEqualTo("{\"channels\":1,\"activation\":\"sigmoid\",\"foreground\":[0]}");
        assertThat(names(s.get("taps"), "name")).containsExactlyElementsOf(tapNames);
        assertThat(names(s.get("taps"), "channels")).containsExactlyElementsOf(channels);
        assertThat(names(s.get("taps"), "stride")).containsExactlyElementsOf(strides);
        assertThat(s.get("size_divisor").toString()).isEqualTo(divisor);
        assertThat(s.get("sha256").asText()).isEqualTo(sha256(pt));
        assertThat(s.get("torch").asText()).startsWith("1.");
    }

    @Test
    void sidecarsNameTapsWithChannelsPerAxisStridesDivisorAndTheFileHash() throws Exception {
        for (String step : STEPS) {
            Path monai = dir.resolve("monai-topo").resolve(step + ".pt");
            assertSidecar(monai, List.of("enc1", "enc2", "bottleneck", "dec2"), List.of("8", "16", "32", "8"),
                    List.of("[2,2,2]", "[4,4,4]", "[4,4,4]", "[2,2,2]"), "[4,4,4]");
            Path nn = dir.resolve("nnunet-style").resolve(step + ".pt");
            assertSidecar(nn, List.of("enc1", "enc2", "bottleneck", "dec2", "dec1"), List.of("8", "16", "32", "16", "8"),
                    List.of("[1,1,1]", "[1,2,2]", "[2,4,4]", "[1,2,2]", "[1,1,1]"), "[2,4,4]");
            JsonNode s = JSON.readTree(Files.readString(dir.resolve("nnunet-style").resolve(step + ".json")));
            assertThat(s.get("taps").get(1).get("module").asText()).isEqualTo("encoder.stages.1");
            assertThat(s.get("spacing").toString()).isEqualTo("[1.0,1.0,2.5]");
            assertThat(s.at("/normalization/name").asText()).isEqualTo("zscore");
            assertThat(s.get("format").asText()).isEqualTo("unetscope-torchscript/2");
            assertThat(s.get("patch_size").toString()).isEqualTo("[8,32,32]");
            assertThat(s.get("example_input").toString()).isEqualTo("[1,1,8,32,32]");
            assertThat(s.get("meta").get("step").asInt()).isEqualTo(Integer.parseInt(step.substring(5)));
        }
    }

    /** Runs torchscript_check.py on (pt, input, stem) triples; returns its lines "stem what shape maxdiff". */
    static List<String> reload(String... triples) throws Exception {
        String[] args = Stream.concat(Stream.of(REFERENCE.resolve("torchscript_check.py").toString()), Stream.of(triples))
                .toArray(String[]::new);
        Result r = python(dir, 120, args);
        assertOk(r, "torchscript_check.py");
        return r.stdout().lines().toList();
    }

    static void assertWithinTolerance(List<String> lines, int expected) {
        assertThat(lines).hasSize(expected);
        for (String line : lines) {
            String[] f = line.split(" ");
            assertThat(Double.parseDouble(f[3])).as(line).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @Test
    void reloadedTorchScriptReproducesEagerProbabilitiesAndTapsAtAnotherSize() throws Exception {
        List<String> triples = new ArrayList<>();
        for (String net : List.of("monai-topo", "nnunet-style")) {
            for (String step : STEPS) {
                Path stem = dir.resolve(net).resolve(step);
                triples.addAll(List.of(stem + ".pt", dir.resolve("input.npy").toString(), stem.toString()));
            }
        }
        List<String> lines = reload(triples.toArray(String[]::new));
        assertWithinTolerance(lines, 3 * 5 + 3 * 6);
        assertThat(lines).anyMatch(l -> l.contains("nnunet-style/step-000006 tap.enc2 1x16x8x20x24 "));
    }

    /**
     * unetscope's engine (libtorch 2.7.1 through DJL, not the PyTorch that exported) runs the default exports, whose
     * convolutions are oneDNN's on channels-last tensors, and gives eager PyTorch's recorded probabilities and taps
     * (read back in the standard layout whatever strides the trace leaves them in) within 1e-4 of their scale.
     */
    @Test
    void theEngineRunsTheDefaultExportsAndGivesEagerOutputs() throws Exception {
        TorchScriptFixtures.Array x = TorchScriptFixtures.readNpy(dir.resolve("input.npy"));
        int[] sh = x.shape();
        for (String net : List.of("monai-topo", "nnunet-style")) {
            Path stem = dir.resolve(net).resolve(STEPS.get(2));
            JsonNode side = JSON.readTree(Files.readString(Path.of(stem + ".json")));
            assertThat(side.at("/meta/convolutions").asText()).as(net).isEqualTo("onednn");
            try (TorchScriptNetwork n = TorchScriptNetwork.load(Path.of(stem + ".pt"), null)) {
                SegmentationNetwork.Inference inf = n.infer(x.values(), sh[0], sh[2], sh[3], sh[4], Set.copyOf(n.tapNames()));
                assertClose(net + " probabilities", inf.probabilities(), TorchScriptFixtures.readNpy(Path.of(stem + ".prob.npy")).values());
                for (String tap : n.tapNames()) {
                    assertClose(net + " tap " + tap, inf.taps().get(tap).data(),
                            TorchScriptFixtures.readNpy(Path.of(stem + ".tap." + tap + ".npy")).values());
                }
            }
        }
    }

    /**
     * A network trained on (x, y, z) volumes (nibabel's, MONAI's LoadImage order; here an in-plane-only first
     * down-sampling (2, 2, 1)) exported with axes "xyz" takes unetscope's (z, y, x) volumes: the sidecar's sizes and
     * strides are in that order, and unetscope's engine gives what the eager network gives for the same volume in its
     * own order. Without --axes the command line refuses to write.
     */
    @Test
    void aModelOfXyzVolumesIsExportedInUnetscopesOrder() throws Exception {
        Path work = dir.resolve("axes");
        Files.createDirectories(work);
        Result r = python(work, 120, REFERENCE.resolve("exporter_cases.py").toString(), "axes", work.toString());
        assertOk(r, "exporter_cases.py axes");
        assertThat(Double.parseDouble(r.stdout().strip())).as("reloaded file against eager").isLessThanOrEqualTo(TOLERANCE);
        JsonNode s = JSON.readTree(Files.readString(work.resolve("xyz.json")));
        assertThat(s.get("example_input").toString()).isEqualTo("[1,1,8,24,16]");
        assertThat(s.get("size_divisor").toString()).isEqualTo("[2,4,4]");
        assertThat(s.get("patch_size").toString()).isEqualTo("[8,32,32]");
        assertThat(names(s.get("taps"), "stride")).containsExactly("[1,1,1]", "[1,2,2]", "[2,4,4]", "[1,2,2]", "[1,1,1]");
        assertThat(s.at("/meta/axes").asText()).isEqualTo("xyz");
        TorchScriptFixtures.Array x = TorchScriptFixtures.readNpy(work.resolve("x.npy"));
        assertThat(x.shape()).containsExactly(1, 1, 8, 16, 32);
        try (TorchScriptNetwork n = TorchScriptNetwork.load(work.resolve("xyz.pt"), null)) {
            SegmentationNetwork.Inference inf = n.infer(x.values(), 1, 8, 16, 32, Set.copyOf(n.tapNames()));
            assertClose("probabilities", inf.probabilities(), TorchScriptFixtures.readNpy(work.resolve("xyz.prob.npy")).values());
            for (String tap : n.tapNames()) {
                assertClose("tap " + tap, inf.taps().get(tap).data(), TorchScriptFixtures.readNpy(work.resolve("xyz.tap." + tap + ".npy")).values());
            }
        }
        Path cli = work.resolve("cli");
        Files.createDirectories(cli);
        Result missing = exporter(cli, "module", "exporter_cases:tiny", "--taps", "down", "--example-size", "8,16,32",
                "--out", cli.resolve("t.pt").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr().lines()).hasSize(1);
        assertThat(missing.stderr()).startsWith("unetscope_export: error: --axes is required: zyx if");
        try (Stream<Path> files = Files.list(cli)) {
            assertThat(files).isEmpty();
        }
    }

    static void assertClose(String what, float[] got, float[] want) {
        assertThat(got).as(what).hasSize(want.length);
        double scale = 1, err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs(got[i] - want[i]));
        }
        assertThat(err).as(what).isLessThan(1e-4 * scale);
    }

    @Test
    void commandLineBuildsFromStateDictsAndMatchesTheEagerRecord() throws Exception {
        Path cli = dir.resolve("cli");
        Files.createDirectories(cli);
        Path monai = dir.resolve("monai-topo");
        assertOk(exporter(cli, "monai-unet", "--channels", "8,16,32", "--strides", "2,2", "--res-units", "1",
                "--state-dict", monai.resolve("step-000006.safetensors").toString(), "--axes", "zyx", "--example-size", "8,32,32",
                "--out", cli.resolve("monai.pt").toString()), "monai-unet export");
        Path nn = dir.resolve("nnunet-style");
        Result r = exporter(cli, "module", "exporter_fixtures:PlainConvUNet", "--state-dict", nn.resolve("step-000003.pth").toString(),
                "--axes", "zyx", "--example-size", "8,32,32", "--spacing", "0.8,0.8,3", "--normalization", "zscore-nonzero",
                "--out", cli.resolve("nn.pt").toString());
        assertOk(r, "module export");
        assertThat(r.stdout()).contains("5 taps (enc1, enc2, bottleneck, dec2, dec1), size divisor [2, 4, 4]");
        assertSidecar(cli.resolve("nn.pt"), List.of("enc1", "enc2", "bottleneck", "dec2", "dec1"), List.of("8", "16", "32", "16", "8"),
                List.of("[1,1,1]", "[1,2,2]", "[2,4,4]", "[1,2,2]", "[1,1,1]"), "[2,4,4]");
        JsonNode s = JSON.readTree(Files.readString(cli.resolve("nn.json")));
        assertThat(s.get("spacing").toString()).isEqualTo("[0.8,0.8,3.0]");
        assertThat(s.get("normalization").toString()).isEqualTo("{\"name\":\"zscore-nonzero\"}");
        String input = dir.resolve("input.npy").toString();
        assertWithinTolerance(reload(cli.resolve("monai.pt").toString(), input, monai.resolve("step-000006").toString(),
                cli.resolve("nn.pt").toString(), input, nn.resolve("step-000003").toString()), 5 + 6);
    }

    @Test
    void listModulesPrintsEveryModuleWithItsOutputShape() throws Exception {
        Path work = dir.resolve("list");
        Result r = exporter(work, "monai-unet", "--channels", "8,16,32", "--strides", "2,2", "--res-units", "1",
                "--axes", "zyx", "--example-size", "8,16,16", "--list-modules");
        assertOk(r, "--list-modules");
        assertThat(r.stdout().lines()).contains(
                "model.0\tResidualUnit\t1x8x4x8x8",
                "model.1.submodule.0\tResidualUnit\t1x16x2x4x4",
                "model.1.submodule.1.submodule\tResidualUnit\t1x32x2x4x4",
                "model.1.submodule.2\tSequential\t1x8x4x8x8",
                "model.2.0.conv\tConvTranspose3d\t1x1x8x16x16");
        try (Stream<Path> files = Files.list(work)) {
            assertThat(files).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "trace differs at the second size | exporter_cases:branchy | --taps down | differs from eager PyTorch at input size",
            "no such module                   | exporter_cases:tiny    | --taps down,nope | tap tap2 (module 'nope'): the network has no module of that name",
            "tap not a whole fraction         | exporter_cases:tiny    | --taps down,valid | tap tap2 (module valid): size [6, 14, 30] is not a whole fraction",
            "auto on an unknown class         | exporter_cases:tiny    | --taps auto | taps 'auto' does not know the network class Tiny"})
    void refusesWithOneLineExitTwoAndNothingWritten(String what, String factory, String taps, String message) throws Exception {
        Path work = dir.resolve("refused-" + what.replace(' ', '-'));
        Files.createDirectories(work);
        Result r = exporter(work, "module", factory, "--axes", "zyx", "--example-size", "8,16,32", taps.split(" ")[0], taps.split(" ")[1],
                "--out", work.resolve("x.pt").toString());
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(2);
        assertThat(r.stderr().lines()).as(r.stderr()).hasSize(1);
        assertThat(r.stderr()).startsWith("unetscope_export: error: ").contains(message);
        try (Stream<Path> files = Files.list(work)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void ctNormalisationAndPatchSizeAreRecordedWithTheirNumbers() throws Exception {
        Path work = dir.resolve("ct");
        Files.createDirectories(work);
        Result r = exporter(work, "module", "exporter_cases:tiny", "--taps", "down", "--axes", "zyx", "--example-size", "8,16,32", "--normalization", "ct",
                "--intensity-range", "0,100", "--intensity-stats", "40,20", "--patch-size", "8,16,16", "--spacing", "0.8,0.8,2",
                "--out", work.resolve("ct.pt").toString());
        assertOk(r, "ct export");
        JsonNode s = JSON.readTree(Files.readString(work.resolve("ct.json")));
        assertThat(s.get("normalization").toString()).isEqualTo("{\"name\":\"ct\",\"low\":0.0,\"high\":100.0,\"mean\":40.0,\"std\":20.0}");
        assertThat(s.get("patch_size").toString()).isEqualTo("[8,16,16]");
        // and the Java side reads it as the same normalisation
        TorchScriptSidecar side = TorchScriptSidecar.read(work.resolve("ct.json"));
        assertThat(side.intensityNormalization()).isEqualTo(dev.unetscope.data.Normalization.ct(0, 100, 40, 20));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ct without its numbers | --normalization ct | normalization 'ct' needs numbers low, high, mean, std",
            "window upside down     | --normalization window --intensity-range 5,1 | normalization 'window' needs low < high",
            "numbers without ct     | --intensity-stats 5,1 | --intensity-range and --intensity-stats go with --normalization ct or window",
            "patch off the divisor  | --patch-size 8,15,16 | patch size [8, 15, 16] is not a multiple of the size divisor [2, 2, 2]",
            "non-positive spacing   | --spacing 1,0,2 | spacing [1.0, 0.0, 2.0] must be three positive numbers"})
    void refusesPreprocessingItCannotRecordInOneLineAndWritesNothing(String what, String args, String message) throws Exception {
        Path work = dir.resolve("refused-prep-" + what.replace(' ', '-'));
        Files.createDirectories(work);
        List<String> argv = new java.util.ArrayList<>(List.of("module", "exporter_cases:tiny", "--taps", "down", "--axes", "zyx", "--example-size", "8,16,32"));
        argv.addAll(List.of(args.split(" ")));
        argv.addAll(List.of("--out", work.resolve("x.pt").toString()));
        Result r = exporter(work, argv.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(2);
        assertThat(r.stderr().lines()).as(r.stderr()).hasSize(1);
        assertThat(r.stderr()).startsWith("unetscope_export: error: ").contains(message);
        try (Stream<Path> files = Files.list(work)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aTapIsTakenBeforeAnInPlaceOperationThatFollowsIt() throws Exception {
        Path work = dir.resolve("inplace");
        Result r = python(work, 120, REFERENCE.resolve("exporter_cases.py").toString(), work.toString());
        assertOk(r, "exporter_cases.py");
        String[] f = r.stdout().strip().split(" ");
        assertThat(Double.parseDouble(f[0])).as("the tap holds the convolution's negative values").isLessThan(0);
        assertThat(Double.parseDouble(f[1])).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void convolutionsAreRecordedAsTheNamedCpuKernelsWithEagerOutputs() throws Exception {
        Path work = dir.resolve("kernels");
        Files.createDirectories(work);
        for (String kind : List.of("cpu", "onednn", "portable")) {
            assertOk(exporter(work, "module", "exporter_cases:tiny", "--taps", "down", "--axes", "zyx", "--example-size", "8,16,32",
                    "--convolutions", kind, "--out", work.resolve(kind + ".pt").toString()), kind + " export");
            JsonNode s = JSON.readTree(Files.readString(work.resolve(kind + ".json")));
            assertThat(s.get("meta").get("convolutions").asText()).isEqualTo(kind);
        }
        // tiny: two convolutions and a transposed one to 1 channel; cpu: only the transposed one named (the native
        // kernel, as eager PyTorch 1.13 runs it: the same numbers); onednn (the default): the two convolutions as
        // oneDNN too, each on its input and weight made channels-last (four conversions)
        for (String kind : List.of("cpu", "onednn")) {
            Result r = python(work, 120, REFERENCE.resolve("exporter_cases.py").toString(), "kernels",
                    work.resolve(kind + ".pt").toString(), work.resolve("portable.pt").toString());
            assertOk(r, "exporter_cases.py kernels");
            List<String> lines = r.stdout().lines().toList();
            assertThat(lines.get(0)).isEqualTo(kind.equals("cpu") ? "2 0 1 0" : "0 2 1 4");
            assertThat(lines.get(1)).isEqualTo("3 0 0 0");
            if (kind.equals("cpu")) assertThat(Double.parseDouble(lines.get(2))).isZero();
            else assertThat(Double.parseDouble(lines.get(2))).isLessThanOrEqualTo(TOLERANCE);
        }
        // a trace off eager PyTorch beyond the tolerance (here 0) falls back: onednn to cpu, which matches bit for bit
        Result fb = python(work, 120, REFERENCE.resolve("exporter_cases.py").toString(), "fallback", work.resolve("fallback.pt").toString());
        assertOk(fb, "exporter_cases.py fallback");
        assertThat(fb.stdout().strip()).isEqualTo("cpu");
        Result bad = exporter(work, "module", "exporter_cases:tiny", "--taps", "down", "--axes", "zyx", "--example-size", "8,16,32",
                "--convolutions", "fast", "--out", work.resolve("bad.pt").toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(work.resolve("bad.pt")).doesNotExist();
    }

    @Test
    void committedMonaiFixtureReloadsAndReproducesMonaisOutputs() throws Exception {
        Path pt = MONAI_FIXTURE.resolve("unet.pt");
        assertSidecar(pt, List.of("enc1", "enc2", "bottleneck", "dec2"), List.of("8", "16", "32", "8"),
                List.of("[2,2,2]", "[4,4,4]", "[4,4,4]", "[2,2,2]"), "[4,4,4]");
        JsonNode s = JSON.readTree(Files.readString(MONAI_FIXTURE.resolve("unet.json")));
        assertThat(s.get("taps").get(2).get("module").asText()).isEqualTo("model.1.submodule.1.submodule");
        assertThat(s.get("meta").get("monai").asText()).isEqualTo("1.5.0");
        assertThat(s.get("format").asText()).isEqualTo("unetscope-torchscript/1"); // made before format 2: still read
        assertWithinTolerance(reload(pt.toString(), MONAI_FIXTURE.resolve("input.npy").toString(),
                MONAI_FIXTURE.resolve("unet").toString()), 5);
        long bytes;
        try (Stream<Path> files = Files.list(MONAI_FIXTURE)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(bytes).isLessThan(1_000_000L);
    }
}
