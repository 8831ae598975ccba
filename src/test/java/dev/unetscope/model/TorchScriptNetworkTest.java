package dev.unetscope.model;

import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An imported TorchScript network gives eager PyTorch's probabilities and taps, per-axis strides included. */
class TorchScriptNetworkTest {
    static Path fx;

    @BeforeAll
    static void fixtures() throws Exception {
        fx = TorchScriptFixtures.shared();
    }

    @Test
    void monaiTopologyMatchesEagerPyTorch() throws Exception {
        matches("monai", new int[][] {{2, 2, 2}, {4, 4, 4}, {4, 4, 4}, {2, 2, 2}});
    }

    @Test
    void nnUNetStyleWithAnisotropicStridesMatchesEagerPyTorch() throws Exception {
        matches("nnunet", new int[][] {{1, 1, 1}, {1, 2, 2}, {2, 4, 4}, {1, 2, 2}, {1, 1, 1}});
    }

    private static void matches(String name, int[][] strides) throws Exception {
        TorchScriptFixtures.Array x = TorchScriptFixtures.readNpy(fx.resolve("x.npy"));
        try (TorchScriptNetwork net = TorchScriptNetwork.load(fx.resolve(name + "-1.pt"), null)) {
            assertThat(net.taps()).hasSize(strides.length);
            for (int i = 0; i < strides.length; i++) assertThat(net.taps().get(i).stride()).containsExactly(strides[i]);
            SegmentationNetwork.Inference inf = net.infer(x.values(), 2, 8, 32, 32, Set.copyOf(net.tapNames()));
            TorchScriptFixtures.Array p = TorchScriptFixtures.readNpy(fx.resolve(name + "-1.prob.npy"));
            assertThat(p.shape()).containsExactly(2, 8, 32, 32);
            assertThat(maxAbsDiff(inf.probabilities(), p.values())).as(name + " probabilities").isLessThan(1e-4);
            assertThat(inf.taps().keySet()).containsExactlyElementsOf(net.tapNames()); // network order
            for (SegmentationNetwork.Tap t : net.taps()) {
                TorchScriptFixtures.Array want = TorchScriptFixtures.readNpy(fx.resolve(name + "-1." + t.name() + ".npy"));
                SegmentationNetwork.TapFeatures f = inf.taps().get(t.name());
                assertThat(new int[] {2, f.channels(), f.d(), f.h(), f.w()}).as(t.name()).containsExactly(want.shape());
                assertThat(new int[] {f.d(), f.h(), f.w()}).containsExactly(8 / t.sd(), 32 / t.sh(), 32 / t.sw());
                double scale = 0;
                for (float v : want.values()) scale = Math.max(scale, Math.abs(v));
                assertThat(maxAbsDiff(f.data(), want.values())).as(name + " tap " + t.name()).isLessThan(1e-4 * Math.max(1, scale));
            }
        }
    }

    @Test
    void otherSizesArePaddedPerAxisAndCroppedBack() {
        try (TorchScriptNetwork net = TorchScriptNetwork.load(fx.resolve("nnunet-1.pt"), null)) {
            assertThat(net.sizeDivisor()).containsExactly(2, 4, 4);
            int d = 7, h = 30, w = 29;
            float[] x = new float[d * h * w];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37);
            SegmentationNetwork.Inference inf = net.infer(x, 1, d, h, w, Set.of("bottleneck", "stage1"));
            assertThat(inf.probabilities()).hasSize(d * h * w);
            for (float v : inf.probabilities()) assertThat(v).isBetween(0f, 1f);
            SegmentationNetwork.TapFeatures b = inf.taps().get("bottleneck"), s1 = inf.taps().get("stage1");
            assertThat(new int[] {b.d(), b.h(), b.w()}).containsExactly(4, 8, 8); // ceil(7/2), ceil(30/4), ceil(29/4)
            assertThat(new int[] {s1.d(), s1.h(), s1.w()}).containsExactly(7, 15, 15);
        }
    }

    @Test
    void nonFiniteOutputsBecomeNaNProbabilitiesWithoutStopping() {
        try (TorchScriptNetwork net = TorchScriptNetwork.load(fx.resolve("monai-1.pt"), null)) {
            float[] x = new float[8 * 8 * 8];
            x[100] = Float.NaN;
            SegmentationNetwork.Inference inf = net.infer(x, 1, 8, 8, 8, Set.of("enc1"));
            long nan = 0;
            for (float v : inf.probabilities()) if (Float.isNaN(v)) nan++;
            assertThat(nan).isPositive();
        }
    }

    @Test
    void aFileChangedAfterImportIsRefusedInOneLine() {
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> TorchScriptNetwork.load(fx.resolve("monai-1.pt"), wrong))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("changed since it was imported")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void checkSizeIsAMultipleOfTheDivisorAtLeastEight() {
        assertThat(TorchScriptNetwork.checkSize(1)).isEqualTo(8);
        assertThat(TorchScriptNetwork.checkSize(4)).isEqualTo(8);
        assertThat(TorchScriptNetwork.checkSize(16)).isEqualTo(32);
        assertThat(TorchScriptNetwork.checkSize(3)).isEqualTo(9);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }
}
