package dev.unetscope.metrics;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

/**
 * Gaussian mixture parameters in shifted coordinates (data minus a fixed row vector), in double,
 * with sklearn's precision Cholesky factors: diagonal 1/sqrt(variance); full, the upper triangular
 * P = L^-T with covariance = L L^T, so that log N(x) = -d/2 log 2pi + log det P - |(x - mu) P|^2 / 2.
 */
record Components(CovarianceType type, int k, int d, double[] weights, double[] means, double[] covariances,
                  double[] precisionsCholesky, double[] logDet) {
    private static final double EPS10 = 10 * Math.ulp(1.0); // sklearn's 10 * finfo(float64).eps

    /** The M step: parameters from the statistics of one pass, second moments taken about ref. */
    static Components estimate(CovarianceType type, GaussianMixture.Statistics s, double[] ref, double reg, int n) {
        int k = s.k(), d = s.d();
        double[] nk = new double[k];
        double total = 0;
        for (int j = 0; j < k; j++) {
            nk[j] = s.nk()[j] + EPS10;
            total += nk[j];
        }
        double[] w = new double[k];
        double[] mu = new double[k * d];
        for (int j = 0; j < k; j++) {
            w[j] = nk[j] / total;
            for (int q = 0; q < d; q++) mu[j * d + q] = s.sumX()[j * d + q] / nk[j];
        }
        double[] cov;
        if (type == CovarianceType.DIAGONAL) {
            cov = new double[k * d];
            for (int j = 0; j < k; j++) {
                for (int q = 0; q < d; q++) {
                    double m = mu[j * d + q];
                    // float32 sums can leave a tiny negative where the true variance is 0: clamp before reg
                    cov[j * d + q] = Math.max(s.second()[j * d + q] / nk[j] - m * m, 0) + reg;
                }
            }
        } else {
            cov = new double[k * d * d];
            for (int j = 0; j < k; j++) {
                int o = j * d * d;
                for (int a = 0; a < d; a++) {
                    double da = mu[j * d + a] - ref[j * d + a];
                    for (int b = 0; b < d; b++) {
                        double db = mu[j * d + b] - ref[j * d + b];
                        cov[o + a * d + b] = s.second()[o + a * d + b] / nk[j] - da * db;
                    }
                }
                for (int a = 0; a < d; a++) { // symmetrise (float32 batched sums) and regularise
                    for (int b = a + 1; b < d; b++) {
                        double v = 0.5 * (cov[o + a * d + b] + cov[o + b * d + a]);
                        cov[o + a * d + b] = v;
                        cov[o + b * d + a] = v;
                    }
                    cov[o + a * d + a] += reg;
                }
            }
        }
        return withPrecisions(type, k, d, w, mu, cov);
    }

    static Components withPrecisions(CovarianceType type, int k, int d, double[] w, double[] mu, double[] cov) {
        double[] pc = new double[cov.length];
        double[] logDet = new double[k];
        if (type == CovarianceType.DIAGONAL) {
            for (int j = 0; j < k; j++) {
                for (int q = 0; q < d; q++) {
                    double v = cov[j * d + q];
                    if (!(v > 0)) throw GaussianMixture.illDefined(j);
                    pc[j * d + q] = 1 / Math.sqrt(v);
                    logDet[j] -= 0.5 * Math.log(v);
                }
            }
        } else {
            // wide components in parallel (each alone, so the same numbers on any thread count; d^3 work,
            // 10% of a 20,000 x 256 fit); the first ill-defined one in component order is the one reported
            boolean[] ok = new boolean[k];
            java.util.stream.IntStream js = java.util.stream.IntStream.range(0, k);
            if (d >= 32) js = js.parallel();
            js.forEach(j -> ok[j] = precisionOf(cov, j, d, pc, logDet));
            for (int j = 0; j < k; j++) if (!ok[j]) throw GaussianMixture.illDefined(j);
        }
        return new Components(type, k, d, w, mu, cov, pc, logDet);
    }

    /** Component j's precision factor P = L^-T into pc and log det P into logDet[j]; false when not positive definite. */
    private static boolean precisionOf(double[] cov, int j, int d, double[] pc, double[] logDet) {
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(d, true);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        System.arraycopy(cov, j * d * d, m.data, 0, d * d);
        if (!chol.decompose(m)) return false;
        DMatrixRMaj l = chol.getT(null);
        for (int q = 0; q < d; q++) {
            double diag = l.get(q, q);
            if (!(diag > 0) || !Double.isFinite(diag)) return false;
        }
        TriangularSolver_DDRM.invertLower(l.data, d); // L^-1, lower
        double ld = 0;
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) pc[j * d * d + a * d + b] = a <= b ? l.get(b, a) : 0; // P = (L^-1)^T
            ld += Math.log(l.get(a, a));
        }
        logDet[j] = ld;
        return true;
    }

    GaussianMixtureModel toModel(float[] shift, boolean converged, int iterations, double lowerBound) {
        double[] m = means.clone();
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) m[j * d + q] += shift[q];
        return new GaussianMixtureModel(type, k, d, weights.clone(), m, covariances.clone(), precisionsCholesky.clone(),
                converged, iterations, lowerBound);
    }

    static Components fromModel(GaussianMixtureModel g, float[] shift) {
        int k = g.k(), d = g.d();
        double[] m = g.means().clone();
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) m[j * d + q] -= shift[q];
        double[] logDet = new double[k];
        double[] pc = g.precisionsCholesky();
        for (int j = 0; j < k; j++) {
            for (int q = 0; q < d; q++) {
                logDet[j] += Math.log(g.covarianceType() == CovarianceType.DIAGONAL ? pc[j * d + q] : pc[j * d * d + q * d + q]);
            }
        }
        return new Components(g.covarianceType(), k, d, g.weights(), m, g.covariances(), pc, logDet);
    }
}
