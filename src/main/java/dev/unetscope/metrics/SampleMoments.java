package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import org.ejml.data.DMatrixRMaj;

/**
 * The mean and the maximum-likelihood covariance (divided by n, as scikit-learn's
 * {@code EmpiricalCovariance}) of a layer's feature vectors, in double precision: the one Gaussian
 * that {@link Mahalanobis} and {@link PcaMahalanobis} fit.
 *
 * @param mean       per channel
 * @param covariance channels x channels, symmetric
 */
public record SampleMoments(double[] mean, DMatrixRMaj covariance) {

    public static SampleMoments of(LayerSample sample) {
        int d = sample.channels(), n = sample.n();
        float[] x = sample.data();
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += x[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        DMatrixRMaj cov = new DMatrixRMaj(d, d);
        double[] r = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) r[j] = x[i * d + j] - mean[j];
            for (int a = 0; a < d; a++) for (int b = a; b < d; b++) cov.data[a * d + b] += r[a] * r[b];
        }
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                double v = cov.data[a * d + b] / n;
                cov.data[a * d + b] = v;
                cov.data[b * d + a] = v;
            }
        }
        return new SampleMoments(mean, cov);
    }
}
