package dev.unetscope.metrics;

/**
 * A fitted k-means: what {@link KMeans#fit} learned, separate from how it was configured.
 *
 * @param centroids  k x d, row-major, in the coordinates of the data
 * @param k          number of clusters
 * @param d          feature dimension
 * @param inertia    sum of squared distances of the training rows to their centroid
 * @param labels     training rows' cluster, 0..k-1
 * @param iterations Lloyd iterations of the winning run
 */
public record KMeansModel(float[] centroids, int k, int d, double inertia, int[] labels, int iterations) {

    /** Index of the nearest centroid of each row of x. */
    public int[] predict(FeatureMatrix x) {
        if (x.d() != d) throw new IllegalArgumentException("x has " + x.d() + " columns, the model " + d);
        x.requireFinite(null);
        // any fixed shift leaves the argmin unchanged; the centroids' mean keeps float32 distances accurate
        double[] shift = new double[d];
        double[] centers = new double[k * d];
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) shift[q] += centroids[j * d + q] / (double) k;
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) centers[j * d + q] = centroids[j * d + q] - shift[q];
        if (x.n() == 0) return new int[0];
        int[] labels = new int[x.n()];
        KMeans.pass(new CpuFeatures(x, EngineFeatures.toFloat(shift)), centers, k, labels, null);
        return labels;
    }
}
