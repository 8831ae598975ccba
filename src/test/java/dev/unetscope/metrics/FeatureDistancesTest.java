package dev.unetscope.metrics;

import dev.unetscope.ReferencePython;
import dev.unetscope.features.LayerSample;
import dev.unetscope.features.Npy;
import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link PcaMahalanobis} and {@link KnnDistance}: by hand, and against scikit-learn. */
class FeatureDistancesTest {
    private static LayerSample layer(int channels, float... data) {
        return new LayerSample("l", channels, 1, data, null);
    }

    @Test
    void mahalanobisOfAOneDimensionalGaussianByHand() {
        // train -1, 1: mean 0, variance 1 (1/n); x = 2 is 2 / sqrt(1 + ridge) away, x = 0 is 0 away
        PcaMahalanobis m = PcaMahalanobis.fit(layer(1, -1, 1), 16);
        assertThat(m.components()).isEqualTo(1);
        double[] d = m.distances(layer(1, 2, 0, -0.5f));
        assertThat(d[0]).isCloseTo(2 / Math.sqrt(1 + PcaMahalanobis.RIDGE), within(1e-12));
        assertThat(d[1]).isZero();
        assertThat(d[2]).isCloseTo(0.5 / Math.sqrt(1 + PcaMahalanobis.RIDGE), within(1e-12));
    }

    @Test
    void pcaKeepsTheDirectionOfLargestVarianceByHand() {
        // (+-2, 0) and (0, +-1): variances 2 along x and 0.5 along y, mean 0. One component keeps x only:
        // (1, 5) is 1 / sqrt(2 + ridge) away; both components: sqrt((1 / 2.001 + 25 / 0.501) / 2) per dimension
        LayerSample train = layer(2, 2, 0, -2, 0, 0, 1, 0, -1);
        LayerSample query = layer(2, 1, 5);
        assertThat(PcaMahalanobis.fit(train, 1).distances(query)[0]).isCloseTo(1 / Math.sqrt(2 + PcaMahalanobis.RIDGE), within(1e-12));
        assertThat(PcaMahalanobis.fit(train, 2).distances(query)[0])
                .isCloseTo(Math.sqrt((1 / (2 + PcaMahalanobis.RIDGE) + 25 / (0.5 + PcaMahalanobis.RIDGE)) / 2), within(1e-12));
        // a dead channel (constant) costs only the ridge, never a division by zero
        assertThat(PcaMahalanobis.fit(layer(2, 1, 3, -1, 3), 2).distances(layer(2, 0, 3))[0]).isZero();
        assertThatThrownBy(() -> PcaMahalanobis.fit(layer(2, 1, 3), 2)).isInstanceOf(BadInputException.class);
    }

    @Test
    void averagePoolingPerCaseByHand() {
        // rows of case 0: (1, 2), (3, 6); case 1: none; case 2: (-1, 0)
        LayerSample x = layer(2, 1, 2, 3, 6, -1, 0);
        LayerSample p = CaseForms.pooled(x, new int[] {0, 2, 2, 3});
        assertThat(p.n()).isEqualTo(3);
        assertThat(p.data()).containsExactly(new float[] {2, 4, Float.NaN, Float.NaN, -1, 0}, within(0f));
        // a case's pooled distance: training cases pooled to -1 and 1 (1-D), a query case of mean 2
        PcaMahalanobis m = PcaMahalanobis.fit(CaseForms.pooled(layer(1, -2, 0, 1, 1), new int[] {0, 2, 4}), 16);
        assertThat(m.distances(CaseForms.pooled(layer(1, 1, 3), new int[] {0, 2}))[0]).isCloseTo(2 / Math.sqrt(1 + PcaMahalanobis.RIDGE), within(1e-12));
    }

    @Test
    void kthNeighbourOnAGridByHand() {
        // the 25 points of the 5 x 5 integer grid
        float[] grid = new float[50];
        for (int y = 0; y < 5; y++) for (int x = 0; x < 5; x++) {
            grid[2 * (y * 5 + x)] = x;
            grid[2 * (y * 5 + x) + 1] = y;
        }
        LayerSample train = layer(2, grid);
        LayerSample query = layer(2, 0.5f, 0.5f, 10, 0, 2, 2);
        // (0.5, 0.5): four corners at sqrt(0.5), then sqrt(2.5); (10, 0): squared 36, 37, 40, 45, 49; (2, 2) is a grid
        // point: itself at 0, then four at 1
        double[] k1 = KnnDistance.fit(train, 1, 1000, 1).distances(query);
        double[] k5 = KnnDistance.fit(train, 5, 1000, 1).distances(query);
        double perDim = Math.sqrt(2);
        assertThat(k1).containsExactly(new double[] {Math.sqrt(0.5) / perDim, 6 / perDim, 0}, within(1e-6));
        assertThat(k5).containsExactly(new double[] {Math.sqrt(2.5) / perDim, 7 / perDim, 1 / perDim}, within(1e-6));
        assertThatThrownBy(() -> KnnDistance.fit(layer(2, 0, 0, 1, 1), 5, 1000, 1)).isInstanceOf(BadInputException.class);
    }

    @Test
    void referenceIsASeededSampleWithoutReplacement() {
        int[] a = KnnDistance.sample(1000, 100, 7), b = KnnDistance.sample(1000, 100, 7), c = KnnDistance.sample(1000, 100, 8);
        assertThat(a).isEqualTo(b).isNotEqualTo(c).hasSize(100).isSorted();
        assertThat(Arrays.stream(a).distinct().count()).isEqualTo(100);
        assertThat(a[0]).isGreaterThanOrEqualTo(0);
        assertThat(a[99]).isLessThan(1000);
        assertThat(KnnDistance.sample(10, 100, 7)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        // a subsample can only move the k-th neighbour away
        Random r = new Random(3);
        float[] t = new float[3000 * 4], q = new float[50 * 4];
        for (int i = 0; i < t.length; i++) t[i] = (float) r.nextGaussian();
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        KnnDistance sub = KnnDistance.fit(layer(4, t), 5, 300, 1), all = KnnDistance.fit(layer(4, t), 5, 3000, 1);
        assertThat(sub.referenceSize()).isEqualTo(300);
        double[] ds = sub.distances(layer(4, q)), da = all.distances(layer(4, q));
        for (int i = 0; i < ds.length; i++) assertThat(ds[i]).isGreaterThanOrEqualTo(da[i]);
    }

    @Test
    void matchesScikitLearn(@TempDir Path dir) throws Exception {
        // correlated features (a random mixing of independent Gaussians with unequal scales), query rows partly shifted
        for (int d : new int[] {12, 5}) {
            Random r = new Random(11 + d);
            int n = 400, m = 60;
            double[][] mix = new double[d][d];
            for (double[] row : mix) for (int j = 0; j < d; j++) row[j] = r.nextGaussian();
            float[] train = new float[n * d], query = new float[m * d];
            fill(train, n, d, mix, r, 0);
            fill(query, m, d, mix, r, 1.5);
            Path folder = dir.resolve("d" + d);
            java.nio.file.Files.createDirectories(folder);
            Npy.writeFloat32(folder.resolve("train.npy"), train, n, d);
            Npy.writeFloat32(folder.resolve("query.npy"), query, m, d);
            java.nio.file.Files.writeString(folder.resolve("params.txt"), "8 " + PcaMahalanobis.RIDGE + " 5");
            String[] out = ReferencePython.run(folder, "feature_distances_reference.py", folder.toString(),
                    "numpy and scikit-learn", 60).strip().split("\n");
            double[] maha = PcaMahalanobis.fit(layer(d, train), 8).distances(layer(d, query));
            double[] knn = KnnDistance.fit(layer(d, train), 5, 2048, 1).distances(layer(d, query));
            double[] refMaha = Arrays.stream(out[0].trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
            double[] refKnn = Arrays.stream(out[1].trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
            assertThat(refMaha).hasSize(m);
            for (int i = 0; i < m; i++) {
                assertThat(maha[i]).as("mahalanobis_pca row " + i + " d " + d).isCloseTo(refMaha[i], within(1e-9 * Math.max(1, refMaha[i])));
                assertThat(knn[i]).as("knn row " + i + " d " + d).isCloseTo(refKnn[i], within(1e-5 * Math.max(1, refKnn[i])));
            }
        }
    }

    private static void fill(float[] x, int n, int d, double[][] mix, Random r, double shift) {
        double[] g = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) g[j] = r.nextGaussian() * (j + 1) + (i % 2 == 0 ? shift : 0);
            for (int a = 0; a < d; a++) {
                double v = 0;
                for (int b = 0; b < d; b++) v += mix[a][b] * g[b];
                x[i * d + a] = (float) v;
            }
        }
    }
}
