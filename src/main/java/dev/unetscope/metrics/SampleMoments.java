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

    /**
     * For each row x of {@code s}: sqrt(|W (x - mean)|^2 / divisor), W given row-major with {@code rows}
     * rows of {@code mean.length} entries: the Mahalanobis distance when W whitens the Gaussian (the inverse
     * Cholesky factor, or the principal axes scaled by 1 / sqrt(variance)).
     */
    static double[] whitenedNorms(LayerSample s, double[] mean, double[] w, int rows, double divisor) {
        int d = mean.length, n = s.n();
        float[] x = s.data();
        double[] out = new double[n];
        double[] r = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) r[j] = x[i * d + j] - mean[j];
            double sum = 0;
            for (int a = 0; a < rows; a++) {
                double z = 0;
                for (int j = 0; j < d; j++) z += w[a * d + j] * r[j];
                sum += z * z;
            }
            out[i] = Math.sqrt(sum / divisor);
        }
        return out;
    }
}
