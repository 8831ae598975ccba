package dev.unetscope.metrics;

import dev.unetscope.io.BadInputException;

/**
 * Feature vectors as an n x d float32 matrix, row-major: row i is {@code data[i*d .. i*d+d)}.
 * The array is shared, not copied; nothing in this package writes to it.
 */
public record FeatureMatrix(float[] data, int n, int d) {

    public FeatureMatrix {
        if (data == null) throw new IllegalArgumentException("data is null");
        if (n < 0 || d < 1) throw new IllegalArgumentException("bad shape " + n + " x " + d);
        if ((long) n * d != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " values, not " + n + " x " + d);
        }
    }

    /** Copies a rectangular {@code float[n][d]}. */
    public static FeatureMatrix of(float[][] rows) {
        int n = rows.length;
        int d = n == 0 ? 1 : rows[0].length;
        float[] data = new float[n * d];
        for (int i = 0; i < n; i++) {
            if (rows[i].length != d) throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, not " + d);
            System.arraycopy(rows[i], 0, data, i * d, d);
        }
        return new FeatureMatrix(data, n, d);
    }

    public float get(int row, int col) {
        return data[row * d + col];
    }

    /**
     * Throws {@link BadInputException} "NaN in features ..." at the first NaN or infinity, so a
     * fit never starts on data it cannot finish; callers record NaN with this message as the reason.
     */
    public FeatureMatrix requireFinite(String what) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new BadInputException("NaN in features" + (what == null ? "" : " of " + what) + ": row " + i / d
                        + ", column " + i % d + " is " + data[i], "check the layer's activations and the sampled positions");
            }
        }
        return this;
    }

    /** Column means in double. */
    double[] columnMeans() {
        double[] m = new double[d];
        for (int i = 0; i < n; i++) {
            int o = i * d;
            for (int j = 0; j < d; j++) m[j] += data[o + j];
        }
        for (int j = 0; j < d; j++) m[j] /= Math.max(n, 1);
        return m;
    }

    /** Mean over columns of each column's (population) variance, as sklearn's k-means uses for tol. */
    double meanColumnVariance() {
        double[] mean = columnMeans();
        double s = 0;
        for (int i = 0; i < n; i++) {
            int o = i * d;
            for (int j = 0; j < d; j++) {
                double v = data[o + j] - mean[j];
                s += v * v;
            }
        }
        return s / ((double) Math.max(n, 1) * d);
    }
}
