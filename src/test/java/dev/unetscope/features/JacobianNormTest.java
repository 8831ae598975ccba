package dev.unetscope.features;

import dev.unetscope.data.PreparedSet;
import dev.unetscope.model.SegmentationNetwork;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The Hutchinson estimate of {@link JacobianNorm} on a network whose Jacobian is known exactly: one
 * 3 x 3 x 3 convolution (8 output channels, zero padding, seeded weights W), whose Jacobian at an
 * interior position has squared Frobenius norm ||W||^2, the sum of its squared weights. Each check
 * holds within 4 standard deviations of the estimator, Var q = 2 ||J J^T||_F^2 for Gaussian probes,
 * with J built explicitly; the seeds are fixed, so the test is deterministic.
 */
class JacobianNormTest {
    static final int C = 8, N = 12;

    /** f_c(p) = sum_a W[c][a] x(p + a - 1): a linear tap at stride 1 whose input gradient is computed by hand. */
    static final class LinearConv implements SegmentationNetwork {
        final double[][] weights = new double[C][27];

        LinearConv(long seed) {
            Random r = new Random(seed);
            for (double[] w : weights) for (int a = 0; a < 27; a++) w[a] = r.nextGaussian();
        }

        double squaredNorm() {
            double s = 0;
            for (double[] w : weights) for (double v : w) s += v * v;
            return s;
        }

        public int inChannels() { return 1; }
        public List<Tap> taps() { return List.of(Tap.isotropic("conv", C, 1)); }
        public int[] sizeDivisor() { return new int[] {1, 1, 1}; }
        public Inference infer(float[] volumes, int batch, int d, int h, int w, Set<String> taps) { throw new UnsupportedOperationException(); }
        public void close() {}

        @Override
        public Map<String, float[]> tapInputGradients(float[] volumes, int batch, int d, int h, int w, Map<String, float[]> cotangents) {
            float[] cot = cotangents.get("conv");
            int vox = d * h * w;
            float[] g = new float[batch * vox];
            for (int b = 0; b < batch; b++) for (int c = 0; c < C; c++) for (int p = 0; p < vox; p++) {
                float v = cot[(b * C + c) * vox + p];
                if (v == 0) continue;
                int z = p / (h * w), y = (p / w) % h, x = p % w;
                for (int a = 0; a < 27; a++) {
                    int zz = z + a / 9 - 1, yy = y + (a / 3) % 3 - 1, xx = x + a % 3 - 1;
                    if (zz < 0 || yy < 0 || xx < 0 || zz >= d || yy >= h || xx >= w) continue;
                    g[b * vox + (zz * h + yy) * w + xx] += (float) (v * weights[c][a]);
                }
            }
            return Map.of("conv", g);
        }

        /** ||J J^T||_F^2 for the positions (rows: position, channel; columns: input voxels). */
        double jjtSquared(int[][] pos) {
            int rows = pos.length * C;
            double[][] j = new double[rows][N * N * N];
            for (int i = 0; i < pos.length; i++) for (int c = 0; c < C; c++) for (int a = 0; a < 27; a++) {
                int zz = pos[i][0] + a / 9 - 1, yy = pos[i][1] + (a / 3) % 3 - 1, xx = pos[i][2] + a % 3 - 1;
                if (zz < 0 || yy < 0 || xx < 0 || zz >= N || yy >= N || xx >= N) continue;
                j[i * C + c][(zz * N + yy) * N + xx] += weights[c][a];
            }
            double s = 0;
            for (int r = 0; r < rows; r++) for (int q = 0; q < rows; q++) {
                double dot = 0;
                for (int k = 0; k < j[r].length; k++) dot += j[r][k] * j[q][k];
                s += dot * dot;
            }
            return s;
        }
    }

    static PreparedSet oneCase() {
        float[] img = new float[N * N * N];
        return new PreparedSet("s", List.of("case-a"), List.of(img), List.of(), N, N, N);
    }

    static FeatureSample sample(int[][] pos) {
        int[] flat = new int[3 * pos.length];
        for (int i = 0; i < pos.length; i++) System.arraycopy(pos[i], 0, flat, 3 * i, 3);
        return new FeatureSample("s", List.of("case-a"), new int[pos.length], flat, Map.of());
    }

    /** Interior positions whose 3 x 3 x 3 receptive fields are disjoint (3 apart) or overlap (adjacent). */
    static int[][] grid(int start, int step) {
        List<int[]> p = new ArrayList<>();
        for (int z = start; z < N - 1; z += step) for (int y = start; y < N - 1; y += step) for (int x = start; x < N - 1; x += step) p.add(new int[] {z, y, x});
        return p.toArray(new int[0][]);
    }

    @Test
    void disjointReceptiveFieldsGiveTheExactNormWithinTheEstimatorsSpread() {
        LinearConv net = new LinearConv(3);
        int[][] pos = grid(1, 3);
        int k = 8;
        JacobianNorm.Probes p = JacobianNorm.estimate(net, oneCase(), sample(pos), "conv", null, k, 1);
        double exact = pos.length * net.squaredNorm();
        double sd = Math.sqrt(2 * net.jjtSquared(pos) / k);
        double meanQ = java.util.Arrays.stream(p.values()[0]).average().orElseThrow();
        assertThat(Math.abs(meanQ - exact)).as("|mean q - N ||W||^2| against 4 SD " + sd).isLessThan(4 * sd);
        // the per-channel root mean square and its relative spread: half that of the mean q (delta method)
        double value = Math.sqrt(net.squaredNorm() / C);
        assertThat(p.setValue()).isCloseTo(Math.sqrt(meanQ / (pos.length * C)), within(1e-12));
        assertThat(p.setValue()).isCloseTo(value, within(4 * value * sd / exact / 2));
        assertThat(p.caseValue(0)).isEqualTo(p.setValue());
        // the spread is far below the worst case sqrt(2 / K): the 64 positions are independent directions
        assertThat(sd / exact).isLessThan(0.2 * Math.sqrt(2.0 / k));
    }

    @Test
    void crossTermsOfOverlappingPositionsVanishInExpectation() {
        LinearConv net = new LinearConv(5);
        int[][] pos = grid(4, 1); // 7 x 7 x 7 adjacent positions: every receptive field overlaps its neighbours'
        pos = java.util.Arrays.copyOf(pos, 27);
        int k = 4, seeds = 40;
        double sum = 0;
        for (int s = 0; s < seeds; s++) {
            JacobianNorm.Probes p = JacobianNorm.estimate(net, oneCase(), sample(pos), "conv", null, k, 100 + s);
            for (double q : p.values()[0]) sum += q;
        }
        double mean = sum / (k * seeds), exact = pos.length * net.squaredNorm();
        double sd = Math.sqrt(2 * net.jjtSquared(pos) / (k * seeds));
        assertThat(Math.abs(mean - exact)).as("|mean q - N ||W||^2| against 4 SD " + sd).isLessThan(4 * sd);
    }

    @Test
    void theChannelsScaleDividesTheirGradient() {
        LinearConv net = new LinearConv(3);
        int[][] pos = grid(1, 3);
        double[] two = new double[C];
        java.util.Arrays.fill(two, 2.0);
        double plain = JacobianNorm.estimate(net, oneCase(), sample(pos), "conv", null, 2, 9).setValue();
        double scaled = JacobianNorm.estimate(net, oneCase(), sample(pos), "conv", two, 2, 9).setValue();
        assertThat(scaled).isCloseTo(plain / 2, within(1e-6 * plain));
        assertThat(JacobianNorm.estimate(net, oneCase(), sample(pos), "conv", null, 2, 9).setValue()).as("seeded: the same again").isEqualTo(plain);
    }

    @Test
    void aNetworkWithoutInputGradientsSaysSo() {
        SegmentationNetwork none = new SegmentationNetwork() {
            public int inChannels() { return 1; }
            public List<Tap> taps() { return List.of(Tap.isotropic("conv", C, 1)); }
            public int[] sizeDivisor() { return new int[] {1, 1, 1}; }
            public Inference infer(float[] v, int b, int d, int h, int w, Set<String> t) { throw new UnsupportedOperationException(); }
            public void close() {}
        };
        assertThatThrownBy(() -> JacobianNorm.estimate(none, oneCase(), sample(grid(1, 3)), "conv", null, 2, 1))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("gives no input gradients");
    }

    @Test
    void casesSharingAPassGiveTheSameValuesAsOneCaseAPass() {
        // the built-in network: each copy's gradient depends on its own image and field only, bit for bit
        int[][] dims = {{8, 16, 16}, {8, 16, 16}, {8, 16, 16}, {8, 16, 16}, {16, 16, 8}};
        Random r = new Random(5);
        List<String> ids = new ArrayList<>();
        List<float[]> images = new ArrayList<>();
        List<int[]> positions = new ArrayList<>();
        List<Integer> caseOf = new ArrayList<>();
        for (int c = 0; c < dims.length; c++) {
            ids.add("case-" + c);
            float[] img = new float[dims[c][0] * dims[c][1] * dims[c][2]];
            for (int v = 0; v < img.length; v++) img[v] = (float) r.nextGaussian();
            images.add(img);
            if (c == 1) continue; // a case without positions between two with
            for (int i = 0; i < 20; i++) {
                positions.add(new int[] {r.nextInt(dims[c][0]), r.nextInt(dims[c][1]), r.nextInt(dims[c][2])});
                caseOf.add(c);
            }
        }
        List<int[]> dimList = new ArrayList<>();
        for (int[] d : dims) dimList.add(d);
        PreparedSet set = new PreparedSet("s", ids, images, List.of(), 8, 16, 16, dimList);
        int[] flat = new int[3 * positions.size()];
        for (int i = 0; i < positions.size(); i++) System.arraycopy(positions.get(i), 0, flat, 3 * i, 3);
        FeatureSample sample = new FeatureSample("s", ids, caseOf.stream().mapToInt(Integer::intValue).toArray(), flat, Map.of());
        try (var net = dev.unetscope.model.UNet.create(dev.unetscope.model.UNetConfig.defaults().withChannels(8, 16, 32).withResUnits(1), 3)) {
            Map<String, double[]> scales = new java.util.LinkedHashMap<>();
            for (String l : net.tapNames()) scales.put(l, null);
            Map<String, JacobianNorm.Probes> one = JacobianNorm.estimate(net, set, sample, scales, 2, 7, 1);
            for (int perPass : new int[] {2, 3}) {
                Map<String, JacobianNorm.Probes> shared = JacobianNorm.estimate(net, set, sample, scales, 2, 7, perPass);
                for (String l : net.tapNames()) {
                    assertThat(shared.get(l).values()).as(l + ", " + perPass + " cases a pass").isDeepEqualTo(one.get(l).values());
                    assertThat(one.get(l).values()[0][0]).as(l + ": a real value").isPositive();
                    assertThat(one.get(l).caseValue(1)).as("no positions").isNaN();
                }
            }
            assertThat(JacobianNorm.estimate(net, set, sample, scales, 2, 7).get("enc1").values()).isDeepEqualTo(one.get("enc1").values());
        }
    }
}
