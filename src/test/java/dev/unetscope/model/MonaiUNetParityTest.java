package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.unetscope.ReferencePython;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our network is MONAI's UNet: its MONAI names and shapes equal the list real MONAI printed
 * ({@code reference/monai_unet_state_dict.txt}); so do those of the plain-PyTorch transcription
 * {@code monai_unet.py}; and with the transcription's seeded weights loaded, our logits and every tap
 * equal PyTorch's within 1e-4 of the tensor's scale (max abs difference / max(1, max |reference|)).
 * A missing {@code /usr/bin/python3} or torch fails, never skips.
 */
class MonaiUNetParityTest {
    static final Map<String, UNetConfig> CONFIGS = Map.of(
            "seed", UNetConfig.seedScale(),
            "demo", UNetConfig.defaults(),
            "plain", UNetConfig.defaults().withChannels(8, 16, 32).withResUnits(0),
            "bench", UNetConfig.defaults().withResUnits(1).withNorm(UNetConfig.Norm.BATCH).withAct(UNetConfig.Activation.RELU),
            "stride1", UNetConfig.defaults().withChannels(4, 8, 8).withStrides(2, 1));
    static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;
    static String transcriptionNames;

    @BeforeAll
    static void runTheTranscription() throws Exception {
        transcriptionNames = ReferencePython.run(dir, "monai_parity.py", dir.toString(), "torch and numpy", 300, "monai_unet.py");
    }

    /** The committed list, config name -> lines "name shape", in MONAI's order. */
    static Map<String, List<String>> monaiList() throws IOException {
        Map<String, List<String>> byConfig = new LinkedHashMap<>();
        try (InputStream in = MonaiUNetParityTest.class.getResourceAsStream("/reference/monai_unet_state_dict.txt")) {
            assertThat(in).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split(" ", 2);
                byConfig.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
            }
        }
        return byConfig;
    }

    static String shapeText(long[] shape) {
        if (shape.length == 0) return "scalar";
        StringBuilder sb = new StringBuilder();
        for (long s : shape) sb.append(sb.length() == 0 ? "" : "x").append(s);
        return sb.toString();
    }

    @Test
    void ourMonaiNamesAndShapesAreMonaisOwn() throws IOException {
        Map<String, List<String>> monai = monaiList();
        assertThat(monai.keySet()).containsExactlyInAnyOrderElementsOf(CONFIGS.keySet());
        assertThat(monai.get("seed")).hasSize(63).noneMatch(l -> l.contains(".adn.N."));
        for (var e : monai.entrySet()) {
            ResidualUNet net = new ResidualUNet(CONFIGS.get(e.getKey()));
            List<String> ours = net.monaiTensors().values().stream()
                    .map(t -> t.name() + " " + shapeText(t.shape().getShape())).toList();
            assertThat(ours).as(e.getKey()).containsExactlyElementsOf(e.getValue());
        }
    }

    @Test
    void theTranscriptionHasMonaisNamesAndShapes() throws IOException {
        Map<String, List<String>> monai = monaiList();
        Map<String, List<String>> transcribed = new LinkedHashMap<>();
        for (String line : transcriptionNames.split("\n")) {
            String[] f = line.split(" ", 2);
            transcribed.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
        }
        assertThat(transcribed.keySet()).containsExactly("seed", "plain", "bench", "stride1");
        for (var e : transcribed.entrySet()) assertThat(e.getValue()).as(e.getKey()).containsExactlyElementsOf(monai.get(e.getKey()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"seed", "plain", "bench", "stride1"})
    void logitsAndEveryTapEqualPyTorchs(String name) {
        UNetConfig cfg = CONFIGS.get(name);
        Map<String, SafeTensors.Tensor> ref = SafeTensors.read(dir.resolve(name + ".outputs.safetensors"));
        try (UNet net = UNet.fromMonaiWeights(dir.resolve(name + ".weights.safetensors"), cfg)) {
            // logits of the padded input straight from the block
            SafeTensors.Tensor xp = ref.get("padded_input");
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try (NDManager step = net.manager().newSubManager()) {
                NDArray x = step.create(xp.values(), new Shape(xp.shape()));
                float[] logits = net.block().forwardTaps(new ParameterStore(step, false), x, false, null).toFloatArray();
                assertMatches(name + " logits", logits, ref.get("padded_logits").values());
            } finally {
                JniUtils.setGradMode(grad);
            }
            // the odd-sized input through UNet.infer: its replicate padding, cropping, probabilities and taps
            SafeTensors.Tensor in = ref.get("input");
            long[] s = in.shape();
            UNet.Inference inf = net.infer(in.values(), 1, (int) s[2], (int) s[3], (int) s[4], Set.copyOf(net.tapNames()));
            float[] want = ref.get("logits").values().clone();
            for (int i = 0; i < want.length; i++) want[i] = (float) (1 / (1 + Math.exp(-want[i])));
            assertMatches(name + " probabilities", inf.probabilities(), want);
            assertThat(inf.taps().keySet()).containsExactlyElementsOf(net.tapNames());
            for (UNet.TapFeatures t : inf.taps().values()) {
                SafeTensors.Tensor r = ref.get("tap." + t.name());
                assertThat(r).as("PyTorch tap " + t.name()).isNotNull();
                assertThat(new long[] {1, t.channels(), t.d(), t.h(), t.w()}).as(t.name()).containsExactly(r.shape());
                assertMatches(name + " " + t.name(), t.data(), r.values());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"seed", "bench"})
    void savingAsMonaiWeightsGivesBackTheSameTensors(String name) {
        Path file = dir.resolve(name + ".again.safetensors");
        Map<String, SafeTensors.Tensor> original = SafeTensors.read(dir.resolve(name + ".weights.safetensors"));
        try (UNet net = UNet.fromMonaiWeights(dir.resolve(name + ".weights.safetensors"), CONFIGS.get(name))) {
            net.toMonaiWeights(file);
        }
        Map<String, SafeTensors.Tensor> again = SafeTensors.read(file);
        assertThat(again.keySet()).containsExactlyElementsOf(original.keySet());
        for (SafeTensors.Tensor t : original.values()) {
            assertThat(again.get(t.name()).shape()).as(t.name()).containsExactly(t.shape());
            if (t.name().endsWith("num_batches_tracked")) continue;
            float[] a = again.get(t.name()).values(), b = t.values();
            int first = Arrays.mismatch(a, b); // not containsExactly: its diff is quadratic on large arrays
            assertThat(first).as(t.name() + " first differing value at %d", first).isEqualTo(-1);
        }
    }

    @Test
    void theParityWeightsImportedAsARunLoadToPyTorchsLogits() {
        Path exp = dir.resolve("imported-exp");
        var r = dev.unetscope.pipeline.ImportService.run(new dev.unetscope.pipeline.ImportService.Settings(
                exp, dir.resolve("stride1.weights.safetensors"), CONFIGS.get("stride1"), "monai"));
        assertThat(r.params()).isEqualTo(exp.resolve("checkpoints/monai/step-000000.params"));
        Map<String, SafeTensors.Tensor> ref = SafeTensors.read(dir.resolve("stride1.outputs.safetensors"));
        SafeTensors.Tensor in = ref.get("input");
        long[] s = in.shape();
        try (UNet net = UNet.load(r.params(), CONFIGS.get("stride1"))) {
            float[] want = ref.get("logits").values().clone();
            for (int i = 0; i < want.length; i++) want[i] = (float) (1 / (1 + Math.exp(-want[i])));
            assertMatches("imported probabilities", net.infer(in.values(), 1, (int) s[2], (int) s[3], (int) s[4], Set.of()).probabilities(), want);
        }
    }

    static void assertMatches(String what, float[] got, float[] want) {
        assertThat(got).as(what).hasSameSizeAs(want);
        double worst = 0, scale = 1;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs((double) got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        assertThat(Arrays.stream(new double[] {worst}).allMatch(Double::isFinite)).as(what + " finite").isTrue();
        assertThat(worst / scale).as(what + ": max abs difference " + worst + " at scale " + scale).isLessThanOrEqualTo(TOLERANCE);
    }
}
