package dev.unetscope.model;

import dev.unetscope.ReferencePython;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The input gradient of a tap ({@link SegmentationNetwork#tapInputGradient}) equals PyTorch's
 * autograd ({@code reference/jacobian_reference.py}), for the built-in network loaded from the
 * reference's MONAI-named weights and for the same network traced to TorchScript, on an input that is
 * padded (10 x 22 x 22 to 12 x 24 x 24): within 1e-4 of the gradient's largest magnitude.
 */
class TapInputGradientTest {
    static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;
    static Map<String, SafeTensors.Tensor> ref;

    @BeforeAll
    static void runTheReference() throws Exception {
        ReferencePython.run(dir, "jacobian_reference.py", dir.toString(), "torch and numpy", 300, "monai_unet.py", "monai_parity.py", "torchscript_fixtures.py");
        ref = SafeTensors.read(dir.resolve("jac.outputs.safetensors"));
    }

    @ParameterizedTest(name = "built-in {0}")
    @ValueSource(strings = {"enc1", "enc2", "bottleneck", "dec2"})
    void theBuiltInNetworksGradientIsPyTorchs(String tap) {
        UNetConfig cfg = UNetConfig.defaults().withChannels(8, 16, 32).withResUnits(1);
        try (UNet net = UNet.fromMonaiWeights(dir.resolve("jac.weights.safetensors"), cfg)) {
            check(net, tap);
            check(net, tap); // the parameters' gradient flags are restored and nothing accumulates between calls
        }
    }

    @ParameterizedTest(name = "TorchScript {0}")
    @ValueSource(strings = {"enc1", "enc2", "bottleneck", "dec2"})
    void theTorchScriptNetworksGradientIsPyTorchs(String tap) {
        try (TorchScriptNetwork net = TorchScriptNetwork.load(dir.resolve("jac.pt"), null)) {
            check(net, tap);
        }
    }

    @org.junit.jupiter.api.Test
    void everyTapFromOneForwardPassIsPyTorchs() {
        UNetConfig cfg = UNetConfig.defaults().withChannels(8, 16, 32).withResUnits(1);
        try (UNet builtIn = UNet.fromMonaiWeights(dir.resolve("jac.weights.safetensors"), cfg);
             TorchScriptNetwork traced = TorchScriptNetwork.load(dir.resolve("jac.pt"), null)) {
            for (SegmentationNetwork net : java.util.List.<SegmentationNetwork>of(builtIn, traced)) {
                SafeTensors.Tensor x = ref.get("input");
                long[] s = x.shape();
                Map<String, float[]> cot = new java.util.LinkedHashMap<>();
                for (String t : net.tapNames()) cot.put(t, ref.get("probe." + t).values());
                Map<String, float[]> got = net.tapInputGradients(x.values(), 1, (int) s[2], (int) s[3], (int) s[4], cot);
                assertThat(got.keySet()).containsExactlyElementsOf(net.tapNames());
                for (String t : net.tapNames()) compare(net.getClass().getSimpleName() + " " + t, got.get(t), ref.get("grad." + t).values());
            }
        }
    }

    private static void check(SegmentationNetwork net, String tap) {
        SafeTensors.Tensor x = ref.get("input");
        long[] s = x.shape();
        float[] got = net.tapInputGradient(x.values(), 1, (int) s[2], (int) s[3], (int) s[4], tap, ref.get("probe." + tap).values());
        compare(tap, got, ref.get("grad." + tap).values());
    }

    private static void compare(String tap, float[] got, float[] want) {
        assertThat(got).hasSize(want.length);
        double scale = 0, diff = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
        }
        assertThat(scale).as("the reference gradient is not all zero").isGreaterThan(1e-3);
        assertThat(diff / scale).as(tap + ": max |ours - PyTorch's| / max |PyTorch's|").isLessThan(TOLERANCE);
    }
}
