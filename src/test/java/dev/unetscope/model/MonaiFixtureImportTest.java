package dev.unetscope.model;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two halves of "your own model" meet: a network built with MONAI's own {@code UNet} (1.5.0), exported
 * by the shipped exporter ({@code python/unetscope_export.py}), loads in unetscope and gives MONAI's recorded
 * outputs: the probabilities (sigmoid of MONAI's logits) and every tap.
 */
class MonaiFixtureImportTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/monai-unet");

    @Test
    void monaiExportedWithTheShippedExporterMatchesMonaisOwnOutputs() throws Exception {
        TorchScriptFixtures.Array x = TorchScriptFixtures.readNpy(DIR.resolve("input.npy"));
        assertThat(x.shape()).containsExactly(1, 1, 8, 24, 32);
        try (TorchScriptNetwork net = TorchScriptNetwork.load(DIR.resolve("unet.pt"), null)) {
            assertThat(net.tapNames()).containsExactly("enc1", "enc2", "bottleneck", "dec2");
            SegmentationNetwork.Inference inf = net.infer(x.values(), 1, 8, 24, 32, Set.copyOf(net.tapNames()));
            float[] logits = TorchScriptFixtures.readNpy(DIR.resolve("unet.logits.npy")).values();
            double worst = 0;
            for (int i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(inf.probabilities()[i] - 1 / (1 + Math.exp(-logits[i]))));
            assertThat(worst).as("probabilities against MONAI's logits").isLessThan(1e-5);
            for (SegmentationNetwork.Tap t : net.taps()) {
                TorchScriptFixtures.Array want = TorchScriptFixtures.readNpy(DIR.resolve("unet.tap." + t.name() + ".npy"));
                SegmentationNetwork.TapFeatures f = inf.taps().get(t.name());
                assertThat(new int[] {1, f.channels(), f.d(), f.h(), f.w()}).as(t.name()).containsExactly(want.shape());
                double scale = 1, err = 0;
                for (int i = 0; i < want.values().length; i++) {
                    scale = Math.max(scale, Math.abs(want.values()[i]));
                    err = Math.max(err, Math.abs(f.data()[i] - want.values()[i]));
                }
                assertThat(err).as("tap " + t.name()).isLessThan(1e-4 * scale);
            }
        }
    }
}
