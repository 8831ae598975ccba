package dev.unetscope.metrics;

import dev.unetscope.io.BadInputException;
import java.util.Arrays;

/**
 * The Davies-Bouldin index, exactly as scikit-learn 1.2's {@code davies_bouldin_score}: s_i is the
 * mean Euclidean distance of cluster i's points to its centroid, d_ij the distance between
 * centroids, and the index is the mean over i of max_j (s_i + s_j) / d_ij. Lower is better.
 *
 * <p>sklearn's conventions, kept: the index is 0 when every s_i is 0 or every d_ij is 0 (within
 * numpy's allclose to 0, i.e. at most 1e-8); a zero d_ij counts as infinitely far (so the pair
 * adds 0). Fewer than 2 labels, or as many labels as points, is an error as in sklearn: here a
 * {@link BadInputException}, which callers record as NaN with its message as the reason.
 *
 * <p>A single pass over the rows in double on the CPU: it is memory-bound, so shipping the rows to
 * the tensor engine would cost as much as computing it.
 */
public final class DaviesBouldin {
    private DaviesBouldin() {}

    /** Davies-Bouldin index of the rows of x grouped by labels (any int values). */
    public static double score(FeatureMatrix x, int[] labels) {
        int n = x.n(), d = x.d();
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " rows");
        x.requireFinite(null);
        int[] classes = Arrays.stream(labels).distinct().sorted().toArray();
        int k = classes.length;
        if (k < 2 || k > n - 1) {
            throw new BadInputException("Davies-Bouldin needs 2 to n-1 clusters, got " + k + " for " + n + " points",
                    "it is undefined for one cluster; record NaN");
        }
        int[] code = new int[n];
        for (int i = 0; i < n; i++) code[i] = Arrays.binarySearch(classes, labels[i]);
        float[] data = x.data();
        double[] centroids = new double[k * d];
        long[] counts = new long[k];
        for (int i = 0; i < n; i++) {
            int o = code[i] * d, r = i * d;
            counts[code[i]]++;
            for (int q = 0; q < d; q++) centroids[o + q] += data[r + q];
        }
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) centroids[j * d + q] /= counts[j];
        double[] intra = new double[k];
        for (int i = 0; i < n; i++) {
            int o = code[i] * d, r = i * d;
            double s = 0;
            for (int q = 0; q < d; q++) {
                double v = data[r + q] - centroids[o + q];
                s += v * v;
            }
            intra[code[i]] += Math.sqrt(s);
        }
        for (int j = 0; j < k; j++) intra[j] /= counts[j];
        double[] dist = new double[k * k];
        boolean allIntraZero = true, allDistZero = true;
        for (int j = 0; j < k; j++) {
            if (Math.abs(intra[j]) > 1e-8) allIntraZero = false;
            for (int m = 0; m < k; m++) {
                double s = 0;
                for (int q = 0; q < d; q++) {
                    double v = centroids[j * d + q] - centroids[m * d + q];
                    s += v * v;
                }
                dist[j * k + m] = Math.sqrt(s);
                if (Math.abs(dist[j * k + m]) > 1e-8) allDistZero = false;
            }
        }
        if (allIntraZero || allDistZero) return 0.0;
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double worst = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < k; m++) {
                double dm = dist[j * k + m];
                double r = (intra[j] + intra[m]) / (dm == 0 ? Double.POSITIVE_INFINITY : dm);
                worst = Math.max(worst, r);
            }
            sum += worst;
        }
        return sum / k;
    }
}
