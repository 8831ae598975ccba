package dev.unetscope.report;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.model.UNet;
import dev.unetscope.model.UNetConfig;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A strip's first column shows two different things (the image, the predicted probability), and its columns sit where the page cuts them. */
class FeatureStripTest {
    @TempDir
    Path tmp;

    @Test
    void theFirstColumnsRowsDifferAndTheLayerColumnsAreWhereColumnXSays() {
        Experiment e = TinyExperiment.create(tmp.resolve("e"), 8);
        PreparedSet test = ExperimentData.split(e, "test");
        try (UNet net = UNet.create(UNetConfig.defaults().withChannels(8, 16, 32).withResUnits(1), 2)) {
            Map<String, FeatureStrip.LayerStyle> styles = FeatureStrip.fit(FeatureExtractor.extract(net, test, new ReceptiveFieldSampler(1, 60, null), net.tapNames()), 3, 1);
            BufferedImage img = FeatureStrip.render(net, test, 0, -1, styles, "title");
            int w = test.w(), h = test.h(), pw = FeatureStrip.panelWidth(w), ph = h * FeatureStrip.SCALE;
            assertThat(pw).isEqualTo(w * FeatureStrip.SCALE);
            assertThat(img.getWidth()).isEqualTo(FeatureStrip.columnX(net.tapNames().size() + 1, w));
            int top = 38, row2 = top + ph + 16 + FeatureStrip.GAP;
            // first column: the image on top, the probability (black to white) below: most pixels differ
            int x0 = FeatureStrip.columnX(0, w), differ = 0;
            for (int y = 0; y < ph; y++) for (int x = 0; x < pw; x++) if (img.getRGB(x0 + x, top + y) != img.getRGB(x0 + x, row2 + y)) differ++;
            assertThat(differ).as("pixels of the first column that differ between the rows").isGreaterThan(pw * ph / 2);
            // every layer column starts at columnX: the gap pixel before it is white, its first pixel is not
            for (int c = 1; c <= net.tapNames().size(); c++) {
                int x = FeatureStrip.columnX(c, w);
                assertThat(img.getRGB(x - 1, top + ph / 2) & 0xFFFFFF).isEqualTo(0xFFFFFF);
                assertThat(img.getRGB(x + pw / 2, top + ph / 2) & 0xFFFFFF).isNotEqualTo(0xFFFFFF);
            }
        }
    }
}
