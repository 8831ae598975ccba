package dev.unetscope.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The k-means kernels give the floats of the plain loops they replace: squared distances summed from
 * zero four coordinates at a time, then one by one (so the same as {@link CpuFeatures#sqDistance}),
 * and a pass's cluster sums added row by row in block and group order.
 */
class CpuFeaturesTest {
    static FeatureMatrix random(int n, int d, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) (3 * r.nextGaussian() + (i % 5));
        return new FeatureMatrix(x, n, d);
    }

    @Test
    void distancesAreTheFloatsOfThePlainLoop() {
        for (int d : new int[] {1, 3, 4, 6, 37}) {
            FeatureMatrix m = random(600, d, d); // three blocks, the last partial
            CpuFeatures f = new CpuFeatures(m, EngineFeatures.toFloat(m.columnMeans()));
            int k = 3;
            float[] c = new float[k * d];
            for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) c[j * d + q] = f.blocks[j][q][7 * j + 1];
            float[][] acc = new float[k][CpuFeatures.BLOCK];
            for (int b = 0; b < f.blocks.length; b++) {
                for (float[] a : acc) java.util.Arrays.fill(a, Float.NaN); // whatever was there before
                f.distances(b, c, k, acc);
                for (int i = 0; i < f.rows(b); i++) {
                    for (int j = 0; j < k; j++) {
                        float plain = 0; // from zero, four coordinates per step, then the rest
                        int q = 0;
                        for (; q + 4 <= d; q += 4) {
                            float t0 = f.blocks[b][q][i] - c[j * d + q], t1 = f.blocks[b][q + 1][i] - c[j * d + q + 1];
                            float t2 = f.blocks[b][q + 2][i] - c[j * d + q + 2], t3 = f.blocks[b][q + 3][i] - c[j * d + q + 3];
                            plain += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3);
                        }
                        for (; q < d; q++) {
                            float t = f.blocks[b][q][i] - c[j * d + q];
                            plain += t * t;
                        }
                        assertThat(acc[j][i]).as("d %d block %d row %d centre %d", d, b, i, j).isEqualTo(plain);
                        assertThat(f.sqDistance(b, i, c, j)).isEqualTo(plain);
                    }
                }
            }
        }
    }

    @Test
    void passSumsAreAddedRowByRowInBlockAndGroupOrder() {
        int n = 9000, d = 7, k = 4; // 36 blocks in 3 groups
        FeatureMatrix m = random(n, d, 11);
        CpuFeatures f = new CpuFeatures(m, EngineFeatures.toFloat(m.columnMeans()));
        double[] centres = new double[k * d];
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) centres[j * d + q] = f.blocks[0][q][j];
        int[] labels = new int[n];
        KMeans.Pass p = KMeans.pass(f, centres, k, labels, null);
        double[] sums = new double[k * d];
        double[] counts = new double[k];
        for (int g = 0; g < f.groups(); g++) {
            double[] part = new double[k * d];
            int[] range = f.groupBlocks(g);
            for (int b = range[0]; b < range[1]; b++) {
                for (int q = 0; q < d; q++) {
                    for (int i = 0; i < f.rows(b); i++) part[labels[b * CpuFeatures.BLOCK + i] * d + q] += f.blocks[b][q][i];
                }
            }
            for (int t = 0; t < part.length; t++) sums[t] += part[t];
        }
        for (int l : labels) counts[l]++;
        assertThat(p.sums()).containsExactly(sums);
        assertThat(p.counts()).containsExactly(counts);
    }
}
