package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

/**
 * Mahalanobis distance of features to the training features under one Gaussian (the k = 1 case
 * of confidence): {@code sqrt((x - mu)^T (Sigma + reg I)^-1 (x - mu))}, with mu and Sigma from the
 * training sample and reg = {@link GaussianMixture#DEFAULT_REG_COVAR}, as the mixtures use.
 */
public final class Mahalanobis {
    private final double[] mean;
    private final DMatrixRMaj lowerInverse;
    private final int d;

    private Mahalanobis(double[] mean, DMatrixRMaj lowerInverse) {
        this.mean = mean;
        this.lowerInverse = lowerInverse;
        this.d = mean.length;
    }

    public static Mahalanobis fit(LayerSample train) {
        int d = train.channels();
        SampleMoments m = SampleMoments.of(train);
        double[] mean = m.mean();
        DMatrixRMaj cov = m.covariance();
        for (int a = 0; a < d; a++) cov.data[a * d + a] += GaussianMixture.DEFAULT_REG_COVAR;
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(d, true);
        if (!chol.decompose(cov)) throw new ArithmeticException("covariance is not positive definite");
        DMatrixRMaj lower = chol.getT(null);
        DMatrixRMaj inv = new DMatrixRMaj(d, d);
        CommonOps_DDRM.invert(lower, inv);
        return new Mahalanobis(mean, inv);
    }

    /** Distance of each row of {@code s}. */
    public double[] distances(LayerSample s) {
        return SampleMoments.whitenedNorms(s, mean, lowerInverse.data, d, 1); // lower triangular: the zeros above add nothing
    }
}
