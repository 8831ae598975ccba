package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import dev.unetscope.io.BadInputException;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.Arrays;

/**
 * Mahalanobis distance on PCA-reduced features (Woodland et al. 2023-2024): the training features
 * of one layer are projected on their first q principal components (q = min(channels,
 * {@code components})), a Gaussian is fitted there (its covariance is diagonal, the eigenvalues
 * lambda_i, plus the ridge {@link #RIDGE}), and a point's distance is
 * {@code sqrt(sum_i (v_i . (x - mu))^2 / (lambda_i + RIDGE) / q)}: per dimension, so layers of
 * different widths compare (its square has mean close to 1 on the training features). Covariance with
 * 1/n, as scikit-learn's {@code EmpiricalCovariance}; the components as scikit-learn's {@code PCA}
 * (centred, largest variance first; their signs do not matter here).
 */
public final class PcaMahalanobis {
    /**
     * Added to every retained eigenvalue. The features are standardised per channel (variance 1), so
     * this is 0.1 % of one channel's variance: it keeps a dead channel (zero variance) from turning a
     * tiny deviation into an enormous distance.
     */
    public static final double RIDGE = 1e-3;

    private final double[] mean;
    private final double[] basis; // q x d, row i the i-th component scaled by 1 / sqrt(lambda_i + RIDGE)
    private final int d, q;

    private PcaMahalanobis(double[] mean, double[] basis, int q) {
        this.mean = mean;
        this.basis = basis;
        this.d = mean.length;
        this.q = q;
    }

    /** Fits the mean, the first {@code components} principal components and their variances on {@code train}. */
    public static PcaMahalanobis fit(LayerSample train, int components) {
        int d = train.channels(), n = train.n();
        if (components < 1) throw new IllegalArgumentException("components " + components + " must be at least 1");
        if (n < 2) throw new BadInputException("Mahalanobis on PCA needs at least 2 training points, got " + n, null);
        SampleMoments m = SampleMoments.of(train);
        double[] mean = m.mean();
        DMatrixRMaj cov = m.covariance();
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(cov)) throw new ArithmeticException("eigendecomposition of the covariance failed");
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(eig.getEigenvalue(b).getReal(), eig.getEigenvalue(a).getReal()));
        int q = Math.min(d, components);
        double[] basis = new double[q * d];
        for (int c = 0; c < q; c++) {
            double lambda = Math.max(0, eig.getEigenvalue(order[c]).getReal()); // rounding can make a zero eigenvalue slightly negative
            DMatrixRMaj v = eig.getEigenVector(order[c]);
            double norm = 0;
            for (int j = 0; j < d; j++) norm += v.data[j] * v.data[j];
            double s = 1 / Math.sqrt(norm * (lambda + RIDGE));
            for (int j = 0; j < d; j++) basis[c * d + j] = v.data[j] * s;
        }
        return new PcaMahalanobis(mean, basis, q);
    }

    /** Components retained. */
    public int components() {
        return q;
    }

    /** Distance per dimension of each row of {@code s}. */
    public double[] distances(LayerSample s) {
        if (s.channels() != d) throw new IllegalArgumentException("fitted on " + d + " channels, got " + s.channels());
        return SampleMoments.whitenedNorms(s, mean, basis, q, q);
    }
}
