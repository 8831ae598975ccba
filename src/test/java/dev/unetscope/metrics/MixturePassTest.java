package dev.unetscope.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class MixturePassTest {

    @Test
    void weightedSumsOfFiveRowsByHand() {
        // rows (1,2), (3,4), (5,6), (7,8), (9,10) weighted 1, 0.5, 2, 0, 1: five rows, so the four-row sweep and the tail both run
        float[][] x = {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}};
        float[] r = {1, 0.5f, 2, 0, 1};
        float[] sum = new float[2];
        MixturePass.weightedSum(x, r, 5, 2, sum);
        // 1 + 1.5 + 10 + 0 + 9 = 21.5;  2 + 2 + 12 + 0 + 10 = 26
        assertThat(sum).containsExactly(21.5f, 26f);
        float[][] outer = new float[2][2];
        MixturePass.weightedOuter(x, r, 5, 2, outer);
        // [0][0]: 1 + 4.5 + 50 + 0 + 81 = 136.5;  [0][1]: 2 + 6 + 60 + 0 + 90 = 158;  [1][1]: 4 + 8 + 72 + 0 + 100 = 184
        // the lower triangle is left alone
        assertThat(outer[0]).containsExactly(136.5f, 158f);
        assertThat(outer[1]).containsExactly(0f, 184f);
    }

    @Test
    void fourCornersOfASquareByHand() {
        // (0,0), (2,0), (0,2), (2,2): mean (1,1), variances 1 and covariance 0, so with reg v = 1 + 1e-6 every
        // point has log N = -log 2pi - log v - (1 + 1) / (2 v)
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{0, 0}, {2, 0}, {0, 2}, {2, 2}});
        double v = 1 + 1e-6, expected = -Math.log(2 * Math.PI) - Math.log(v) - 1 / v;
        for (CovarianceType t : CovarianceType.values()) {
            GaussianMixtureModel g = new GaussianMixture(1, t, 0).fit(x);
            assertThat(g.means()).as(t.name()).containsExactly(new double[] {1, 1}, within(1e-7));
            assertThat(g.covariances()[0]).as(t.name()).isCloseTo(v, within(1e-7));
            for (double s : g.scoreSamples(x)) assertThat(s).as(t.name()).isCloseTo(expected, within(1e-6));
            assertThat(g.lowerBound()).as(t.name()).isCloseTo(expected, within(1e-6));
        }
    }

    /** 700 rows in 3 dims around 3 centres, three blocks, the last padded. */
    static FeatureMatrix blobs() {
        Random rnd = new Random(3);
        float[] x = new float[700 * 3];
        for (int i = 0; i < 700; i++) {
            int c = i % 3;
            x[i * 3] = (float) (rnd.nextGaussian() + 3 * c);
            x[i * 3 + 1] = (float) (0.5 * rnd.nextGaussian() - c);
            x[i * 3 + 2] = (float) (rnd.nextGaussian() * (1 + c) + 0.3 * x[i * 3]);
        }
        return new FeatureMatrix(x, 700, 3);
    }

    @Test
    void onePassAgreesWithTheTextbookInDouble() {
        FeatureMatrix x = blobs();
        int n = x.n(), d = x.d(), k = 3;
        for (CovarianceType t : CovarianceType.values()) {
            GaussianMixtureModel g = new GaussianMixture(k, t, 1).withMaxIter(2).fit(x);
            float[] shift = EngineFeatures.toFloat(x.columnMeans());
            CpuFeatures f = new CpuFeatures(x, shift);
            Components p = Components.fromModel(g, shift);
            double[] ref = KMeans.toDouble(EngineFeatures.toFloat(p.means()));
            GaussianMixture.Statistics s = MixturePass.pass(f, t, k, p, null, ref);
            // the textbook: responsibilities from the densities in double, then the weighted moments
            double[] nk = new double[k], sumX = new double[k * d];
            double[] second = new double[t == CovarianceType.FULL ? k * d * d : k * d];
            double ll = 0;
            double[] score = g.scoreSamples(x);
            for (int i = 0; i < n; i++) {
                double[] logJoint = new double[k];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    logJoint[j] = Math.log(g.weights()[j]) + logDensity(g, j, x, i);
                    max = Math.max(max, logJoint[j]);
                }
                double sum = 0;
                for (int j = 0; j < k; j++) sum += Math.exp(logJoint[j] - max);
                double lse = max + Math.log(sum);
                assertThat(score[i]).as(t + " row " + i).isCloseTo(lse, within(1e-4));
                ll += lse;
                for (int j = 0; j < k; j++) {
                    double r = Math.exp(logJoint[j] - lse);
                    nk[j] += r;
                    for (int a = 0; a < d; a++) {
                        double xa = x.get(i, a) - shift[a];
                        sumX[j * d + a] += r * xa;
                        if (t == CovarianceType.DIAGONAL) {
                            second[j * d + a] += r * xa * xa;
                        } else {
                            for (int c = 0; c < d; c++) {
                                second[(j * d + a) * d + c] += r * (xa - ref[j * d + a]) * (x.get(i, c) - shift[c] - ref[j * d + c]);
                            }
                        }
                    }
                }
            }
            assertThat(s.logLikelihoodSum()).as(t.name()).isCloseTo(ll, within(Math.abs(ll) * 1e-6));
            assertThat(s.nk()).as(t.name()).containsExactly(nk, within(1e-3));
            assertThat(s.sumX()).as(t.name()).containsExactly(sumX, within(1e-2));
            assertThat(s.second()).as(t.name()).containsExactly(second, within(5e-2));
        }
    }

    static double logDensity(GaussianMixtureModel g, int j, FeatureMatrix x, int i) {
        int d = g.d();
        double quad = 0, logDet = 0;
        if (g.covarianceType() == CovarianceType.DIAGONAL) {
            for (int q = 0; q < d; q++) {
                double v = g.covariances()[j * d + q], e = x.get(i, q) - g.means()[j * d + q];
                quad += e * e / v;
                logDet += Math.log(v);
            }
        } else {
            org.ejml.data.DMatrixRMaj cov = new org.ejml.data.DMatrixRMaj(d, d);
            System.arraycopy(g.covariances(), j * d * d, cov.data, 0, d * d);
            org.ejml.data.DMatrixRMaj inv = cov.copy();
            org.ejml.dense.row.CommonOps_DDRM.invert(inv);
            logDet = Math.log(org.ejml.dense.row.CommonOps_DDRM.det(cov));
            for (int a = 0; a < d; a++) {
                for (int c = 0; c < d; c++) {
                    quad += (x.get(i, a) - g.means()[j * d + a]) * inv.get(a, c) * (x.get(i, c) - g.means()[j * d + c]);
                }
            }
        }
        return -0.5 * (d * Math.log(2 * Math.PI) + logDet + quad);
    }

    @Test
    void sameNumbersOnOneThreadAsOnMany() throws Exception {
        // 40 blocks: many groups; one thread must add them in the same order as the common pool
        FeatureMatrix x = ClusterBenchmark.blobs(10_000, 6, 8, 5).x();
        int[] labels = ClusterBenchmark.blobs(10_000, 6, 8, 5).labels();
        ForkJoinPool one = new ForkJoinPool(1);
        try {
            for (CovarianceType t : CovarianceType.values()) {
                GaussianMixtureModel many = new GaussianMixture(4, t, 2).fit(x);
                GaussianMixtureModel single = one.submit(() -> new GaussianMixture(4, t, 2).fit(x)).get();
                assertThat(single.means()).as(t.name()).containsExactly(many.means());
                assertThat(single.covariances()).as(t.name()).containsExactly(many.covariances());
                assertThat(single.lowerBound()).as(t.name()).isEqualTo(many.lowerBound());
                assertThat(one.submit(() -> single.scoreSamples(x)).get()).as(t.name()).containsExactly(many.scoreSamples(x));
            }
            double db = DaviesBouldin.score(x, labels);
            assertThat(one.submit(() -> DaviesBouldin.score(x, labels)).get()).isEqualTo(db);
        } finally {
            one.shutdown();
        }
    }

    @Test
    void aRowScoresTheSameInAnyBlockOfAnyGroup() {
        // 20,000 rows: 79 blocks in groups of 5, so every group's scratch serves several blocks; a row scored
        // alone (one block, one group) must get the same float32 sums, whatever the block before it left behind
        for (int d : new int[] {3, 6}) { // d < 4, and a first four coordinates plus a rest
            FeatureMatrix x = ClusterBenchmark.blobs(20_000, d, 8, 9).x();
            for (CovarianceType t : CovarianceType.values()) {
                GaussianMixtureModel g = new GaussianMixture(4, t, 3).fit(x);
                double[] all = g.scoreSamples(x);
                for (int i : new int[] {0, 255, 256, 1300, 5000, 12_345, 19_999}) {
                    float[] row = java.util.Arrays.copyOfRange(x.data(), i * d, (i + 1) * d);
                    assertThat(g.scoreSamples(new FeatureMatrix(row, 1, d))[0]).as(t + " d " + d + " row " + i).isEqualTo(all[i]);
                }
            }
        }
    }
}
