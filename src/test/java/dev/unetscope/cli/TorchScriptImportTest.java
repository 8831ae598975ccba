package dev.unetscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.model.TorchScriptFixtures;
import dev.unetscope.model.TorchScriptNetwork;
import dev.unetscope.train.CheckpointRef;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code unetscope import --model}: a series of TorchScript files becomes one run; bad input is one line, exit 2, nothing written. */
class TorchScriptImportTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path fx;

    @BeforeAll
    static void fixtures() throws Exception {
        fx = TorchScriptFixtures.shared();
    }

    @Test
    void aSeriesBecomesOneRunWithHashesAndAChangedFileIsRefusedWhenOpened() throws Exception {
        Path exp = tmp.resolve("ok");
        CliRun r = CliRun.of("import", "--experiment", exp.toString(), "--run", "monai", "--objective", "dice",
                "--model", fx.resolve("monai-1.pt").toString(), "--model", fx.resolve("monai-2.pt").toString(),
                "--model", fx.resolve("monai-3.pt").toString(), "--steps", "10,20,30");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("enc1 (8 channels, stride 2x2x2)");
        Path dir = exp.resolve("checkpoints/monai");
        JsonNode m = JSON.readTree(dir.resolve("manifest.json").toFile());
        assertThat(m.get("format").asText()).isEqualTo("torchscript");
        assertThat(m.get("objective").asText()).isEqualTo("dice");
        assertThat(m.get("checkpoints")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode e = m.get("checkpoints").get(i);
            String step = String.format("step-%06d", 10 * (i + 1));
            assertThat(e.get("params").asText()).isEqualTo(step + ".pt");
            assertThat(dir.resolve(step + ".json")).isRegularFile();
            assertThat(e.get("sha256").asText()).isEqualTo(TorchScriptNetwork.sha256(fx.resolve("monai-" + (i + 1) + ".pt")));
        }
        // several runs side by side: the nnU-Net-style network with steps 1..n
        CliRun nn = CliRun.of("import", "--experiment", exp.toString(), "--run", "nnunet", "--model", fx.resolve("nnunet-1.pt").toString(),
                "--model", fx.resolve("nnunet-2.pt").toString());
        assertThat(nn.code()).as(nn.err()).isZero();
        assertThat(JSON.readTree(exp.resolve("checkpoints/nnunet/manifest.json").toFile()).at("/checkpoints/1/step").asInt()).isEqualTo(2);
        // the run exists: refused
        CliRun again = CliRun.of("import", "--experiment", exp.toString(), "--run", "monai", "--model", fx.resolve("monai-1.pt").toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already exists");

        // a .pt changed after import is refused when a stage opens it, in one line
        Files.copy(fx.resolve("monai-3.pt"), dir.resolve("step-000020.pt"), StandardCopyOption.REPLACE_EXISTING);
        CheckpointRef ref = CheckpointRef.resolve(Experiment.open(exp), "monai:20");
        assertThatThrownBy(ref::open).isInstanceOf(BadInputException.class)
                .hasMessageContaining("step-000020.pt").hasMessageContaining("changed since it was imported")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        try (SegmentationNetwork net = CheckpointRef.resolve(Experiment.open(exp), "monai:30").open()) {
            assertThat(net.tapNames()).containsExactly("enc1", "enc2", "bottleneck", "dec2");
        }
    }

    @Test
    void theRunsOwnPreprocessingIsNoted() throws Exception {
        Path exp = tmp.resolve("noted");
        dev.unetscope.train.TinyExperiment.create(exp, 4); // resamples to 3 x 3 x 6 mm, z-score inside the Otsu body
        ObjectNode sc = sidecar("monai-1");
        sc.putArray("spacing").add(1.5).add(1.5).add(3.0);
        sc.put("normalization", "zscore-nonzero"); // format 1: a bare name
        CliRun r = CliRun.of("import", "--experiment", exp.toString(), "--run", "m", "--model", withSidecar("noted-model", "monai-1", sc).toString(),
                "--patch", "8,16,16");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("note: the run's scans are normalised as the model was trained (zscore-nonzero); the experiment's with zscore-otsu")
                .contains("note: the run's scans are resampled to [1.5, 1.5, 3.0] mm as the model was trained and kept whole (padded to the size divisor);"
                        + " the experiment's to [3.0, 3.0, 6.0] mm, cropped or padded to 32x32x8 voxels")
                .contains("note: every stage runs this run's checkpoints by sliding window, patch 8x16x16 (D x H x W)");
        JsonNode m = JSON.readTree(exp.resolve("checkpoints/m/manifest.json").toFile());
        assertThat(m.at("/versions/imported.normalization").asText()).isEqualTo("zscore-nonzero");
        assertThat(m.get("patch").toString()).isEqualTo("[8,16,16]");
        // the fixtures' own sidecars (zscore-otsu, no spacing) give no note
        CliRun plain = CliRun.of("import", "--experiment", exp.toString(), "--run", "p", "--model", fx.resolve("monai-1.pt").toString());
        assertThat(plain.out()).doesNotContain("note:");
    }

    @Test
    void sidecarWithAnUnknownNormalisation() throws Exception {
        ObjectNode sc = sidecar("monai-1");
        sc.put("format", "unetscope-torchscript/2");
        sc.putObject("normalization").put("name", "minmax");
        refused(withSidecar("norm-unknown", "monai-1", sc), "normalization 'minmax' is not known (use one of zscore, zscore-nonzero, zscore-otsu, ct, window, none)");
        ObjectNode v1 = sidecar("monai-1");
        v1.put("normalization", "ct");
        refused(withSidecar("norm-v1", "monai-1", v1), "normalization 'ct' is not one of format 1's zscore-otsu, zscore-nonzero, zscore, none");
        ObjectNode ct = sidecar("monai-1");
        ct.put("format", "unetscope-torchscript/2");
        ct.putObject("normalization").put("name", "ct").put("low", -100);
        refused(withSidecar("norm-ct", "monai-1", ct), "normalization 'ct' needs finite low < high");
    }

    @Test
    void sidecarWithANonPositiveSpacing() throws Exception {
        ObjectNode sc = sidecar("monai-1");
        sc.putArray("spacing").add(1.5).add(0.0).add(3.0);
        refused(withSidecar("spacing", "monai-1", sc), "spacing [1.5, 0.0, 3.0] is not three positive numbers (x, y, z in mm)");
    }

    @Test
    void aPatchOffTheSizeDivisor() throws Exception {
        refusedArgs("--model", fx.resolve("monai-1.pt").toString(), "--patch", "8,16,18",
                "--message", "--patch 8,16,18 is not a positive multiple of the size divisor 4x4x4 on every axis");
        refusedArgs("--model", fx.resolve("monai-1.pt").toString(), "--patch", "0,16,16", "--message", "--patch 0,16,16 is not a positive multiple");
        ObjectNode sc = sidecar("monai-1");
        sc.putArray("patch_size").add(8).add(16).add(18);
        refused(withSidecar("patch", "monai-1", sc), "patch_size 8x16x18 is not a multiple of the size divisor 4x4x4");
    }

    @Test
    void benchInferTimesAnImportedFile() {
        CliRun r = CliRun.of("bench", "infer", "--model", fx.resolve("nnunet-1.pt").toString(), "--shape", "7,30,30", "--warmup", "0", "--steps", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("TorchScript").contains("taps stage0,stage1,bottleneck,dec1,dec0").contains("s/volume");
        CliRun sw = CliRun.of("bench", "infer", "--model", fx.resolve("monai-1.pt").toString(), "--shape", "8,32,32", "--patch", "8,16,16",
                "--warmup", "0", "--steps", "1");
        assertThat(sw.code()).as(sw.err()).isZero();
        assertThat(sw.out()).contains("sliding window, patch 8 x 16 x 16").contains("s/volume");
        CliRun off = CliRun.of("bench", "infer", "--model", fx.resolve("monai-1.pt").toString(), "--patch", "8,16,15", "--steps", "1");
        assertThat(off.code()).isEqualTo(2);
        assertThat(off.err()).contains("--patch 8,16,15 is not a positive multiple of the size divisor 4x4x4");
    }

    @Test
    void patchGoesWithModelFilesOnly() {
        refusedArgs("--monai-weights", tmp.resolve("w.safetensors").toString(), "--patch", "8,16,16", "--message", "--steps, --objective and --patch go with --model");
    }

    @Test
    void notTorchScript() throws Exception {
        Path junk = tmp.resolve("junk/junk.pt");
        Files.createDirectories(junk.getParent());
        Files.writeString(junk, "this is not a zip archive\n");
        ObjectNode sc = sidecar("monai-1");
        sc.remove("sha256");
        Files.write(junk.resolveSibling("junk.json"), JSON.writeValueAsBytes(sc));
        refused(junk, "not a TorchScript file");
    }

    @Test
    void missingSidecar() throws Exception {
        Path pt = tmp.resolve("nosidecar/monai-1.pt");
        Files.createDirectories(pt.getParent());
        Files.copy(fx.resolve("monai-1.pt"), pt);
        refused(pt, "the sidecar is missing");
    }

    @Test
    void sidecarWithAnotherTapCount() throws Exception {
        ObjectNode sc = sidecar("monai-1");
        ((ArrayNode) sc.get("taps")).remove(3);
        refused(withSidecar("fewer", "monai-1", sc), "lists 3 taps but the model returns 5 tensors");
    }

    @Test
    void sidecarWithOtherChannels() throws Exception {
        ObjectNode sc = sidecar("nnunet-1");
        ((ObjectNode) sc.get("taps").get(1)).put("channels", 24);
        refused(withSidecar("channels", "nnunet-1", sc), "tap 'stage1' has 16 channels but the sidecar says 24");
    }

    @Test
    void sidecarWithAnotherStride() throws Exception {
        ObjectNode sc = sidecar("nnunet-1");
        ArrayNode st = ((ObjectNode) sc.get("taps").get(1)).putArray("stride");
        st.add(2).add(2).add(2);
        refused(withSidecar("stride", "nnunet-1", sc), "stride 1x2x2, but the sidecar says 2x2x2");
    }

    @Test
    void tapNotAWholeFractionOfTheInput() throws Exception {
        refused(fx.resolve("odd.pt"), "tap 'valid' is 6x6x6 for input 8x8x8: not the input divided by a whole stride");
    }

    @Test
    void inputSizeTheModelRejectsNamesTheSizeDivisor() throws Exception {
        refused(fx.resolve("big.pt"), "the model rejects input 1x1x8x8x8 (padded to a multiple of the size divisor 1x1x1");
    }

    @Test
    void stepsMustMatchTheFiles() throws Exception {
        refusedArgs("--steps", "5", "--model", fx.resolve("monai-1.pt").toString(), "--model", fx.resolve("monai-2.pt").toString(),
                "--message", "--steps lists 1 steps for 2 --model files");
        refusedArgs("--model", fx.resolve("monai-1.pt").toString(), "--model", fx.resolve("nnunet-1.pt").toString(),
                "--message", "differ from those of monai-1.pt");
    }

    private static ObjectNode sidecar(String name) throws Exception {
        return (ObjectNode) JSON.readTree(fx.resolve(name + ".json").toFile());
    }

    /** A copy of fixture {@code name}.pt in its own folder with the given sidecar. */
    private static Path withSidecar(String folder, String name, ObjectNode sc) throws Exception {
        Path pt = tmp.resolve(folder).resolve(name + ".pt");
        Files.createDirectories(pt.getParent());
        Files.copy(fx.resolve(name + ".pt"), pt);
        Files.write(pt.resolveSibling(name + ".json"), JSON.writeValueAsBytes(sc));
        return pt;
    }

    private static void refused(Path pt, String message) {
        refusedArgs("--model", pt.toString(), "--message", message);
    }

    /** Runs import with {@code args} (the last two: "--message", the expected text): exit 2, one line, no experiment folder. */
    private static void refusedArgs(String... args) {
        String message = args[args.length - 1];
        Path exp = tmp.resolve("refused-" + Math.abs(message.hashCode()));
        String[] cmd = new String[args.length - 2 + 5];
        cmd[0] = "import";
        cmd[1] = "--experiment";
        cmd[2] = exp.toString();
        cmd[3] = "--run";
        cmd[4] = "r";
        System.arraycopy(args, 0, cmd, 5, args.length - 2);
        CliRun r = CliRun.of(cmd);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.oneErrorLine()).as(r.err()).isTrue();
        assertThat(r.err()).contains(message);
        assertThat(exp).doesNotExist();
    }
}
