package dev.unetscope.metrics;

import dev.unetscope.io.BadInputException;

/**
 * A Gaussian mixture fitted by EM, as scikit-learn's {@code GaussianMixture} with its defaults
 * (init_params="kmeans", n_init=1): responsibilities start as the one-hot labels of a single
 * k-means run, then E and M steps alternate until the mean log-likelihood (the lower bound)
 * changes by less than {@code tol}. The per-point work (log-densities, responsibilities, weighted
 * sums) is float32 on the CPU ({@link MixturePass}: SIMD loops over blocks of rows, parallel over
 * fixed groups of blocks, reduced in a fixed order); the d x d algebra (Cholesky, inverse) is EJML
 * in double.
 *
 * @param k              number of components
 * @param covarianceType {@link CovarianceType#DIAGONAL} or {@link CovarianceType#FULL}
 * @param regCovar       added to every covariance's diagonal (sklearn's reg_covar), so constant
 *                       features still give positive definite covariances
 * @param tol            convergence threshold on the change of the mean log-likelihood
 * @param maxIter        EM iterations at most
 * @param seed           seed of the k-means initialisation
 */
public record GaussianMixture(int k, CovarianceType covarianceType, double regCovar, double tol, int maxIter, long seed) {
    public static final double DEFAULT_REG_COVAR = 1e-6;
    public static final double DEFAULT_TOL = 1e-3;
    public static final int DEFAULT_MAX_ITER = 100;

    public GaussianMixture {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, not " + k);
        if (covarianceType == null) throw new IllegalArgumentException("covarianceType is null");
        if (!(regCovar >= 0)) throw new IllegalArgumentException("regCovar must be >= 0, not " + regCovar);
        if (!(tol >= 0)) throw new IllegalArgumentException("tol must be >= 0, not " + tol);
        if (maxIter < 1) throw new IllegalArgumentException("maxIter must be at least 1, not " + maxIter);
    }

    /** regCovar 1e-6, tol 1e-3, 100 iterations. */
    public GaussianMixture(int k, CovarianceType covarianceType, long seed) {
        this(k, covarianceType, DEFAULT_REG_COVAR, DEFAULT_TOL, DEFAULT_MAX_ITER, seed);
    }

    public GaussianMixture withRegCovar(double regCovar) {
        return new GaussianMixture(k, covarianceType, regCovar, tol, maxIter, seed);
    }

    public GaussianMixture withTol(double tol) {
        return new GaussianMixture(k, covarianceType, regCovar, tol, maxIter, seed);
    }

    public GaussianMixture withMaxIter(int maxIter) {
        return new GaussianMixture(k, covarianceType, regCovar, tol, maxIter, seed);
    }

    /**
     * Fits the mixture to the rows of x.
     *
     * @throws BadInputException "NaN in features ..." for NaN or infinite values; "k=… is larger
     *                           than the … points" for fewer than k distinct rows
     */
    public GaussianMixtureModel fit(FeatureMatrix x) {
        x.requireFinite(null);
        KMeans.requireDistinctRows(x, k);
        CpuFeatures f = new CpuFeatures(x, EngineFeatures.toFloat(x.columnMeans()));
        KMeansModel init = new KMeans(k, 1, KMeans.DEFAULT_MAX_ITER, KMeans.DEFAULT_TOL, seed).fitChecked(x, f);
        int d = x.d();
        // the k-means centroids are the label means: the reference point of the first second moments
        double[] ref = new double[k * d];
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) ref[j * d + q] = (float) (init.centroids()[j * d + q] - f.shift[q]);
        Statistics s = MixturePass.pass(f, covarianceType, k, null, init.labels(), ref);
        Components p = Components.estimate(covarianceType, s, ref, regCovar, x.n());
        double lowerBound = Double.NEGATIVE_INFINITY;
        boolean converged = false;
        int iterations = 0;
        for (int it = 1; it <= maxIter; it++) {
            iterations = it;
            double previous = lowerBound;
            // second moments about the current means as float32 values: the kernel subtracts exactly these
            double[] about = KMeans.toDouble(EngineFeatures.toFloat(p.means()));
            s = MixturePass.pass(f, covarianceType, k, p, null, about);
            lowerBound = s.logLikelihoodSum() / x.n();
            p = Components.estimate(covarianceType, s, about, regCovar, x.n());
            if (Math.abs(lowerBound - previous) < tol) {
                converged = true;
                break;
            }
        }
        return p.toModel(f.shift, converged, iterations, lowerBound);
    }

    /** Weighted sums over all rows for one M step, plus the E step's total log-likelihood. */
    record Statistics(int k, int d, double[] nk, double[] sumX, double[] second, double logLikelihoodSum) {}

    static BadInputException illDefined(int component) {
        return new BadInputException("fitting the Gaussian mixture failed: component " + component
                + " has an ill-defined covariance", "increase regCovar, use fewer components or standardise the features");
    }
}
