package dev.unetscope.model;

import dev.unetscope.ReferencePython;
import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Sliding-window inference: window starts and MONAI's Gaussian importance map by hand; on a network
 * whose receptive field (3 voxels) fits the patch, probabilities equal a torch computation of the
 * Gaussian-weighted overlap and, in the central band where the importance map is above MONAI's floor,
 * the whole-volume pass; taps (from the
 * window whose centre is nearest) equal the whole-volume taps.
 */
class SlidingWindowTest {
    @TempDir
    Path dir;

    @Test
    void windowStartsFollowMonaisIntervalAlignedToTheDivisor() {
        // 20 long, patch 12, overlap 0.5: interval 6 -> 0, 6, then 12 + 12 >= 20 moves back to 8
        assertThat(SlidingWindowNetwork.starts(20, 12, 2, 0.5)).containsExactly(0, 6, 8);
        // interval 6 rounded down to the divisor 4 -> 4: 0, 4, 8 (8 + 12 = 20 ends at the edge)
        assertThat(SlidingWindowNetwork.starts(20, 12, 4, 0.5)).containsExactly(0, 4, 8);
        assertThat(SlidingWindowNetwork.starts(12, 12, 2, 0.5)).containsExactly(0);
        assertThat(SlidingWindowNetwork.starts(8, 12, 2, 0.5)).containsExactly(0);
    }

    @Test
    void gaussianImportanceIsMonaisMap() {
        // 1 x 1 x 4: positions -1.5, -0.5, 0.5, 1.5; sigma 0.5 (W) and 0.125 (D, H: one voxel, value 1)
        float[] m = SlidingWindowNetwork.importance(1, 1, 4, 0.125);
        double edge = Math.exp(-1.5 * 1.5 / (2 * 0.5 * 0.5)), mid = Math.exp(-0.5 * 0.5 / (2 * 0.5 * 0.5));
        assertThat((double) m[0]).isCloseTo(edge, within(1e-7));
        assertThat((double) m[1]).isCloseTo(mid, within(1e-7));
        assertThat(m[3]).isEqualTo(m[0]);
        // a long axis: the far tails fall below 1e-3 of nothing; clamped at the map's own minimum (>= 1e-3)
        float[] big = SlidingWindowNetwork.importance(1, 1, 64, 0.125);
        assertThat((double) big[0]).isCloseTo(Math.max(Math.exp(-31.5 * 31.5 / (2 * 8 * 8)), 1e-3), within(1e-9));
    }

    @Test
    void aPatchOffTheDivisorIsRefusedInOneLine() {
        assertThatThrownBy(() -> SlidingWindowNetwork.checkPatch(new int[] {8, 12, 13}, new int[] {2, 2, 2}, null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("--patch 8,12,13 is not a positive multiple of the size divisor 2x2x2");
        assertThatThrownBy(() -> SlidingWindowNetwork.checkPatch(new int[] {0, 12, 12}, new int[] {1, 1, 1}, null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("not a positive multiple");
        assertThatThrownBy(() -> SlidingWindowNetwork.checkPatch(new int[] {8, 12}, new int[] {1, 1, 1}, null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("three sizes");
    }

    @Test
    void probabilitiesMatchTorchsGaussianOverlapAndTheWholeVolumeAwayFromBorders() throws Exception {
        Files.copy(Path.of("python/unetscope_export.py"), dir.resolve("unetscope_export.py"));
        String out = ReferencePython.run(dir, "sliding_window_reference.py", dir.toString(), "numpy and torch (python3-torch)", 180);
        assertThat(out).contains("\"divisor\": [2, 2, 2]").contains("[0, 6, 8]");
        int d = 12, h = 20, w = 24;
        float[] x = read(dir.resolve("x.f32")), whole = read(dir.resolve("whole.f32")), sliding = read(dir.resolve("sliding.f32"));
        try (TorchScriptNetwork net = TorchScriptNetwork.load(dir.resolve("sw.pt"), null);
             SlidingWindowNetwork sw = new SlidingWindowNetwork(net, new int[] {8, 12, 12})) {
            SegmentationNetwork.Inference all = net.infer(x, 1, d, h, w, Set.of("local", "pooled"));
            SegmentationNetwork.Inference win = sw.infer(x, 1, d, h, w, Set.of("local", "pooled"));
            double toTorch = 0;
            for (int i = 0; i < whole.length; i++) {
                assertThat((double) all.probabilities()[i]).isCloseTo(whole[i], within(1e-5));
                toTorch = Math.max(toTorch, Math.abs(win.probabilities()[i] - sliding[i]));
            }
            assertThat(toTorch).as("sliding window against torch's Gaussian-weighted overlap").isLessThan(1e-5);
            // against one whole-volume pass: windows sliding along W only (patch 12 x 20 x 16, starts 0 and 8). A window's
            // own zero padding makes its edge voxels wrong, at a weight of exp(-7) there: close, not equal, where the map is
            // above MONAI's floor of 1e-3. Towards the faces in D and H every window's weight falls to that floor and the
            // windows mix equally (about 0.03 here), so "away from borders" is the central band in D and H.
            try (SlidingWindowNetwork alongW = new SlidingWindowNetwork(TorchScriptNetwork.load(dir.resolve("sw.pt"), null), new int[] {12, 20, 16})) {
                float[] p = alongW.infer(x, 1, d, h, w, Set.of()).probabilities();
                double band = 0, everywhere = 0;
                for (int i = 0; i < whole.length; i++) {
                    int z = i / (h * w), y = (i / w) % h, xx = i % w;
                    double diff = Math.abs(p[i] - whole[i]);
                    everywhere = Math.max(everywhere, diff);
                    if (z >= 4 && z < 8 && y >= 6 && y < 14 && xx >= 1 && xx < w - 1) band = Math.max(band, diff);
                }
                assertThat(band).as("sliding window against one whole-volume pass, central band").isLessThan(1e-3);
                assertThat(everywhere).as("the floor's equal mixing near the faces").isGreaterThan(1e-2);
            }
            // taps from the window whose centre is nearest: that window saw every voxel's receptive field whole
            for (String tap : new String[] {"local", "pooled"}) {
                float[] a = all.taps().get(tap).data(), b = win.taps().get(tap).data();
                assertThat(b.length).isEqualTo(a.length);
                double worst = 0;
                for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
                assertThat(worst).as("tap " + tap).isLessThan(1e-5);
            }
            // batches of two volumes give each volume's own result
            float[] two = new float[2 * x.length];
            System.arraycopy(x, 0, two, 0, x.length);
            System.arraycopy(x, 0, two, x.length, x.length);
            float[] p2 = sw.infer(two, 2, d, h, w, Set.of()).probabilities();
            for (int i = 0; i < x.length; i++) assertThat(p2[x.length + i]).isEqualTo(win.probabilities()[i]);
        }
    }

    private static float[] read(Path f) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getFloat();
        return out;
    }
}
