package dev.unetscope.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
    private static final double LOG_2PI = Math.log(2 * Math.PI);
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
            CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(d, true);
            for (int j = 0; j < k; j++) {
                DMatrixRMaj m = new DMatrixRMaj(d, d);
                System.arraycopy(cov, j * d * d, m.data, 0, d * d);
                if (!chol.decompose(m)) throw GaussianMixture.illDefined(j);
                DMatrixRMaj l = chol.getT(null);
                for (int q = 0; q < d; q++) {
                    double diag = l.get(q, q);
                    if (!(diag > 0) || !Double.isFinite(diag)) throw GaussianMixture.illDefined(j);
                }
                TriangularSolver_DDRM.invertLower(l.data, d); // L^-1, lower
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) pc[j * d * d + a * d + b] = a <= b ? l.get(b, a) : 0; // P = (L^-1)^T
                    logDet[j] += Math.log(l.get(a, a));
                }
            }
        }
        return new Components(type, k, d, w, mu, cov, pc, logDet);
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

    /** The parameters as float32 arrays on the engine, shaped for one matmul per chunk. */
    OnEngine upload(NDManager m) {
        float[] cst = new float[k];
        if (type == CovarianceType.DIAGONAL) {
            float[] w = new float[2 * d * k]; // (2d x k): log N = [x, x^2] . w + cst
            for (int j = 0; j < k; j++) {
                double c = 0;
                for (int q = 0; q < d; q++) {
                    double prec = precisionsCholesky[j * d + q] * precisionsCholesky[j * d + q];
                    double mu = means[j * d + q];
                    w[q * k + j] = (float) (mu * prec);
                    w[(d + q) * k + j] = (float) (-0.5 * prec);
                    c += mu * mu * prec;
                }
                cst[j] = (float) (-0.5 * (d * LOG_2PI + c) + logDet[j] + Math.log(weights[j]));
            }
            return new OnEngine(this, m.create(w, new Shape(2L * d, k)), null, m.create(cst, new Shape(1, k)));
        }
        float[] p = new float[d * k * d]; // (d x kd): [P_1 ... P_k]
        float[] b = new float[k * d]; // (1 x kd): [mu_1 P_1 ... mu_k P_k]
        for (int j = 0; j < k; j++) {
            int o = j * d * d;
            for (int a = 0; a < d; a++) {
                for (int c = 0; c < d; c++) p[a * k * d + j * d + c] = (float) precisionsCholesky[o + a * d + c];
            }
            for (int c = 0; c < d; c++) {
                double s = 0;
                for (int a = 0; a <= c; a++) s += means[j * d + a] * precisionsCholesky[o + a * d + c];
                b[j * d + c] = (float) s;
            }
            cst[j] = (float) (-0.5 * d * LOG_2PI + logDet[j] + Math.log(weights[j]));
        }
        return new OnEngine(this, m.create(p, new Shape(d, (long) k * d)), m.create(b, new Shape(1, (long) k * d)),
                m.create(cst, new Shape(1, k)));
    }

    record OnEngine(Components p, NDArray w, NDArray b, NDArray cst) {
        /** log(weight_j) + log N(x | component j), chunk rows x k; call inside f.scope(c). */
        NDArray logJoint(EngineFeatures f, int c) {
            if (p.type == CovarianceType.DIAGONAL) return f.withSquares(c).matMul(w).add(cst);
            NDArray y = f.x[c].matMul(w).sub(b);
            return y.square().reshape(f.rows(c), p.k, p.d).sum(new int[] {2}).mul(-0.5f).add(cst);
        }
    }
}
