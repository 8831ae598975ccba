package dev.unetscope.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A fitted Gaussian mixture: what {@link GaussianMixture#fit} learned (sklearn's weights_, means_,
 * covariances_, precisions_cholesky_, converged_, n_iter_, lower_bound_).
 *
 * @param covariances        diagonal: k x d variances; full: k x d x d, row-major; regCovar included
 * @param precisionsCholesky diagonal: 1/sqrt(variance); full: upper triangular P per component
 *                           with inverse covariance P P^T (sklearn's convention)
 * @param lowerBound         mean log-likelihood of the training rows at the last E step
 */
public record GaussianMixtureModel(CovarianceType covarianceType, int k, int d, double[] weights, double[] means,
                                   double[] covariances, double[] precisionsCholesky, boolean converged,
                                   int iterations, double lowerBound) {

    /** Log-likelihood of each row of x under the mixture (log-sum-exp over components). */
    public double[] scoreSamples(FeatureMatrix x) {
        if (x.d() != d) throw new IllegalArgumentException("x has " + x.d() + " columns, the model " + d);
        x.requireFinite(null);
        double[] out = new double[x.n()];
        if (x.n() == 0) return out;
        // shifting by the mixture's mean keeps the float32 expansion accurate, as in fit
        double[] shift = new double[d];
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) shift[q] += weights[j] * means[j * d + q];
        float[] s = EngineFeatures.toFloat(shift);
        try (EngineFeatures f = new EngineFeatures(x, s, covarianceType == CovarianceType.FULL ? k * d : 2 * d)) {
            if (covarianceType == CovarianceType.DIAGONAL) f.withSquares();
            Components.OnEngine e = Components.fromModel(this, s).upload(f.manager);
            for (int c = 0; c < f.chunks(); c++) {
                try (NDManager sub = f.scope(c)) {
                    NDArray joint = e.logJoint(f, c);
                    float[] lse = joint.sub(joint.logSoftmax(1)).get(":, 0").toFloatArray();
                    for (int i = 0; i < lse.length; i++) out[f.start[c] + i] = lse[i];
                }
            }
        }
        return out;
    }

    /** Mean of {@link #scoreSamples} over the rows of x (sklearn's score). */
    public double meanLogLikelihood(FeatureMatrix x) {
        double[] s = scoreSamples(x);
        double sum = 0;
        for (double v : s) sum += v;
        return sum / s.length;
    }

    /** Mean log-likelihood divided by d, so layers of different width compare. */
    public double meanLogLikelihoodPerDim(FeatureMatrix x) {
        return meanLogLikelihood(x) / d;
    }
}
