package dev.unetscope.features;

import dev.unetscope.cli.Main;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.model.UNet;
import dev.unetscope.model.UNetConfig;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeatureExtractorTest {
    @TempDir
    Path tmp;

    @Test
    void majorityLabelOverTheFootprint() {
        // a 4x4x1 mask (z=1) at stride 2: footprints are 2x2x1 blocks; majority means more than 2 of 4
        float[] m = {
                1, 1, 0, 0,
                1, 0, 1, 0,
                0, 0, 1, 1,
                0, 0, 1, 1};
        byte[] down = FeatureExtractor.majority(m, 1, 4, 4, new int[] {2, 2, 2}, 1, 2, 2);
        assertThat(down).containsExactly(1, 0, 0, 1);
        // per axis: stride (1, 1, 2) pairs columns only; a tie (1 of 2) is background
        assertThat(FeatureExtractor.majority(m, 1, 4, 4, new int[] {1, 1, 2}, 1, 4, 2)).containsExactly(1, 0, 0, 0, 0, 1, 0, 1);
        // stride (1, 2, 1) pairs rows only
        assertThat(FeatureExtractor.majority(m, 1, 4, 4, new int[] {1, 2, 1}, 1, 2, 4)).containsExactly(1, 0, 0, 0, 0, 0, 1, 1);
    }

    @Test
    void samplerIsSeededDistinctAndStratifies() {
        ReceptiveFieldSampler s = new ReceptiveFieldSampler(3, 100, ReceptiveFieldSampler.Mode.UNIFORM);
        int[] a = s.positions("case_1", 1000, null);
        assertThat(a).hasSize(100).doesNotHaveDuplicates().isSorted();
        assertThat(s.positions("case_1", 1000, null)).containsExactly(a);
        assertThat(s.positions("case_2", 1000, null)).isNotEqualTo(a);
        float[] pred = new float[1000];
        for (int i = 0; i < 20; i++) pred[i] = 0.9f;
        int[] st = new ReceptiveFieldSampler(3, 100, ReceptiveFieldSampler.Mode.PREDICTED).positions("case_1", 1000, pred);
        assertThat(st).hasSize(100).doesNotHaveDuplicates();
        assertThat(java.util.Arrays.stream(st).filter(i -> i < 20).count()).isEqualTo(20); // all 20 predicted voxels, the rest outside
        assertThatThrownBy(() -> s.positions("c", 50, null)).hasMessageContaining("more than the 50 voxels");
        assertThatThrownBy(() -> new ReceptiveFieldSampler(1, 0, null)).hasMessageContaining("at least 1");
    }

    @Test
    void featureAtAPositionIsTheTapVoxelContainingIt() {
        Experiment e = TinyExperiment.create(tmp.resolve("e"), 6);
        PreparedSet test = ExperimentData.split(e, "test");
        try (UNet net = UNet.create(UNetConfig.defaults().withChannels(8, 16, 32).withResUnits(1), 2)) {
            FeatureSample s = FeatureExtractor.extract(net, test, new ReceptiveFieldSampler(1, 50, null), net.tapNames());
            assertThat(s.layers().keySet()).containsExactly("image", "enc1", "enc2", "bottleneck", "dec2");
            assertThat(s.n()).isEqualTo(50 * test.size());
            UNet.Inference inf = net.infer(test.images().get(0), 1, test.d(), test.h(), test.w(), Set.of("enc2"));
            UNet.TapFeatures f = inf.taps().get("enc2");
            LayerSample l = s.layer("enc2");
            assertThat(l.stride()).containsExactly(4, 4, 4); // MONAI's topology: enc1 already strides 2
            assertThat(s.layer("enc1").stride()).containsExactly(2, 2, 2);
            for (int i = 0; i < 10; i++) {
                int z = s.positions()[3 * i], y = s.positions()[3 * i + 1], x = s.positions()[3 * i + 2];
                assertThat(s.caseOf()[i]).isZero();
                for (int c = 0; c < f.channels(); c++) {
                    float want = f.data()[((c * f.d() + z / 4) * f.h() + y / 4) * f.w() + x / 4];
                    assertThat(l.data()[i * f.channels() + c]).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5f));
                }
                assertThat(s.layer("image").data()[i]).isEqualTo(test.images().get(0)[(z * test.h() + y) * test.w() + x]);
            }
        }
    }

    @Test
    void exportedNpyFilesReadBackInNumpy() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 6);
        TinyExperiment.trainTiny(ex, "dice", 2, 1);
        Path out = tmp.resolve("f");
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice", "--set", "noisy", "--out", out.toString(),
                "--samples-per-case", "40")).isZero();
        String py = """
                import numpy as np, sys
                d = sys.argv[1]
                f = np.load(d + '/enc1.npy'); p = np.load(d + '/positions.npy'); l = np.load(d + '/labels_dec2.npy')
                cases = open(d + '/cases.txt').read().split()
                print(f.dtype, f.shape[0], f.shape[1], p.dtype, p.shape[1], l.dtype, l.shape[0], len(cases), int(p[:, 0].max()) + 1)
                """;
        Path script = tmp.resolve("read.py");
        Files.writeString(script, py);
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), out.toString()).redirectErrorStream(true).start();
        String got = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as(got).isZero();
        List<String> lines = Files.readAllLines(out.resolve("cases.txt"));
        int n = 40 * lines.size();
        assertThat(got).isEqualTo("float32 " + n + " 8 int32 4 uint8 " + n + " " + lines.size() + " " + lines.size());
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice:99", "--set", "noisy", "--out", out.toString())).isEqualTo(2);
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice", "--set", "nowhere", "--out", out.toString())).isEqualTo(2);
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice", "--set", "noisy", "--out", out.toString(),
                "--samples-per-case", "0")).isEqualTo(2);
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice", "--set", "noisy", "--out", out.toString(),
                "--samples-per-case", "999999")).isEqualTo(2);
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice", "--set", "noisy", "--out", out.toString(),
                "--layers", "enc9")).isEqualTo(2);
    }
}
