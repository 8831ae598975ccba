package dev.unetscope.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.io.BadInputException;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class GaussianMixtureTest {

    /** 400 correlated 3-d points with a non-zero mean. */
    static FeatureMatrix correlated() {
        Random r = new Random(4);
        float[] x = new float[400 * 3];
        for (int i = 0; i < 400; i++) {
            double a = r.nextGaussian(), b = r.nextGaussian(), c = r.nextGaussian();
            x[i * 3] = (float) (5 + a);
            x[i * 3 + 1] = (float) (-2 + 0.8 * a + 0.5 * b);
            x[i * 3 + 2] = (float) (1 + 0.3 * c - 0.2 * b);
        }
        return new FeatureMatrix(x, 400, 3);
    }

    @Test
    void oneFullComponentIsTheSampleGaussian() {
        FeatureMatrix x = correlated();
        int n = x.n(), d = x.d();
        GaussianMixtureModel g = new GaussianMixture(1, CovarianceType.FULL, 0).fit(x);
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) for (int q = 0; q < d; q++) mean[q] += x.get(i, q) / (double) n;
        double[] cov = new double[d * d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) {
                cov[a * d + b] += (x.get(i, a) - mean[a]) * (x.get(i, b) - mean[b]) / n;
            }
        }
        for (int a = 0; a < d; a++) cov[a * d + a] += 1e-6;
        assertThat(g.weights()).containsExactly(new double[] {1.0}, within(1e-12));
        for (int q = 0; q < d; q++) assertThat(g.means()[q]).isCloseTo(mean[q], within(1e-5));
        for (int i = 0; i < d * d; i++) assertThat(g.covariances()[i]).isCloseTo(cov[i], within(1e-5));
        // closed-form log density: -d/2 log 2pi - 1/2 log det S - 1/2 (x-m)' S^-1 (x-m)
        DMatrixRMaj s = new DMatrixRMaj(d, d, true, cov);
        DMatrixRMaj inv = s.copy();
        CommonOps_DDRM.invert(inv);
        double logDet = Math.log(CommonOps_DDRM.det(s));
        double[] score = g.scoreSamples(x);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double quad = 0;
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) {
                quad += (x.get(i, a) - mean[a]) * inv.get(a, b) * (x.get(i, b) - mean[b]);
            }
            double expected = -0.5 * (d * Math.log(2 * Math.PI) + logDet + quad);
            assertThat(score[i]).as("row " + i).isCloseTo(expected, within(1e-4));
            sum += expected;
        }
        assertThat(g.meanLogLikelihood(x)).isCloseTo(sum / n, within(1e-5));
        assertThat(g.meanLogLikelihoodPerDim(x)).isCloseTo(sum / n / d, within(1e-5));
    }

    @Test
    void oneDiagonalComponentIsTheProductOfColumnGaussians() {
        FeatureMatrix x = correlated();
        int n = x.n(), d = x.d();
        GaussianMixtureModel g = new GaussianMixture(1, CovarianceType.DIAGONAL, 0).fit(x);
        double[] mean = x.columnMeans();
        double[] var = new double[d];
        for (int i = 0; i < n; i++) for (int q = 0; q < d; q++) var[q] += Math.pow(x.get(i, q) - mean[q], 2) / n;
        double[] score = g.scoreSamples(x);
        for (int i = 0; i < n; i += 7) {
            double expected = 0;
            for (int q = 0; q < d; q++) {
                double v = var[q] + 1e-6;
                expected += -0.5 * (Math.log(2 * Math.PI * v) + Math.pow(x.get(i, q) - mean[q], 2) / v);
            }
            assertThat(score[i]).as("row " + i).isCloseTo(expected, within(1e-4));
        }
        for (int q = 0; q < d; q++) assertThat(g.covariances()[q]).isCloseTo(var[q] + 1e-6, within(1e-5));
    }

    @Test
    void constantColumnStaysFinite() {
        Random r = new Random(1);
        float[] x = new float[300 * 3];
        for (int i = 0; i < 300; i++) {
            x[i * 3] = (float) (r.nextGaussian() + (i % 2) * 8);
            x[i * 3 + 1] = 4.5f; // zero variance: regCovar keeps the covariance positive definite
            x[i * 3 + 2] = (float) r.nextGaussian();
        }
        FeatureMatrix m = new FeatureMatrix(x, 300, 3);
        for (CovarianceType t : CovarianceType.values()) {
            GaussianMixtureModel g = new GaussianMixture(2, t, 0).fit(m);
            double ll = g.meanLogLikelihood(m);
            assertThat(ll).as(t.name()).isFinite();
            // the constant column adds -1/2 log(2 pi 1e-6) = 5.988 nats to every row
            GaussianMixtureModel without = new GaussianMixture(2, t, 0).fit(dropColumn(m, 1));
            assertThat(ll - without.meanLogLikelihood(dropColumn(m, 1))).as(t.name())
                    .isCloseTo(-0.5 * Math.log(2 * Math.PI * 1e-6), within(1e-3));
        }
    }

    @Test
    void twoSeparatedComponentsAreFound() {
        Random r = new Random(2);
        float[] x = new float[600 * 2];
        for (int i = 0; i < 600; i++) {
            boolean far = i < 200;
            x[i * 2] = (float) (r.nextGaussian() * 0.5 + (far ? 20 : 0));
            x[i * 2 + 1] = (float) (r.nextGaussian() * 2);
        }
        GaussianMixtureModel g = new GaussianMixture(2, CovarianceType.DIAGONAL, 0).fit(new FeatureMatrix(x, 600, 2));
        assertThat(g.converged()).isTrue();
        int far = g.means()[0] > 10 ? 0 : 1;
        assertThat(g.weights()[far]).isCloseTo(1 / 3.0, within(1e-6));
        assertThat(g.means()[far * 2]).isCloseTo(20, within(0.1));
        assertThat(g.covariances()[far * 2]).isCloseTo(0.25, within(0.06));
        assertThat(g.covariances()[far * 2 + 1]).isCloseTo(4, within(0.8));
    }

    @Test
    void nanIsAnError() {
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{1, 1}, {1, Float.POSITIVE_INFINITY}, {2, 2}, {3, 3}});
        assertThatThrownBy(() -> new GaussianMixture(2, CovarianceType.FULL, 0).fit(x))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("NaN in features");
    }

    static FeatureMatrix dropColumn(FeatureMatrix m, int col) {
        int d = m.d() - 1;
        float[] out = new float[m.n() * d];
        for (int i = 0; i < m.n(); i++) {
            for (int q = 0, p = 0; q < m.d(); q++) if (q != col) out[i * d + p++] = m.get(i, q);
        }
        return new FeatureMatrix(out, m.n(), d);
    }
}
