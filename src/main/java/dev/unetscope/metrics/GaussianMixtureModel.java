package dev.unetscope.metrics;

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
        if (x.n() == 0) return new double[0];
        // shifting by the mixture's mean keeps the float32 differences small, as in fit
        double[] shift = new double[d];
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) shift[q] += weights[j] * means[j * d + q];
        float[] s = EngineFeatures.toFloat(shift);
        return MixturePass.scoreSamples(new CpuFeatures(x, s), Components.fromModel(this, s));
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
