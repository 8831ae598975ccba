package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import dev.unetscope.io.BadInputException;

import java.util.Arrays;
import java.util.Random;

/**
 * Distance to the k-th nearest training feature (Sun et al. 2022, "Out-of-distribution detection
 * with deep nearest neighbors"; Woodland et al. 2024 for segmentation): for each query point, the
 * Euclidean distance to its k-th nearest neighbour among a reference of training points, divided by
 * sqrt(channels) so that layers of different widths compare. The reference is a seeded sample of
 * {@code referenceSize} training points without replacement (all of them when there are fewer), as
 * Sun et al. subsample the training set for cost. Exact search by brute force: the reference is
 * stored channel-major, one array per channel, so the inner loop runs over reference points with unit
 * stride and the JIT vectorises it; distances accumulate in float, from differences (no expansion
 * that cancels, so a query equal to a reference point is at distance 0).
 * Scikit-learn's {@code NearestNeighbors(n_neighbors=k).kneighbors(X)[0][:, -1]} gives the same
 * k-th distance (before the division).
 */
public final class KnnDistance {
    private final float[][] reference; // d rows of r: channel-major
    private final int d, r, k;

    private KnnDistance(float[][] reference, int d, int r, int k) {
        this.reference = reference;
        this.d = d;
        this.r = r;
        this.k = k;
    }

    /** The reference: {@code referenceSize} training points drawn with {@code seed} (the same rows for every layer). */
    public static KnnDistance fit(LayerSample train, int k, int referenceSize, long seed) {
        int d = train.channels(), n = train.n();
        if (k < 1 || referenceSize < 1) throw new IllegalArgumentException("k " + k + " and reference size " + referenceSize + " must be at least 1");
        if (n < k) throw new BadInputException("the k-th nearest neighbour needs at least k = " + k + " training points, got " + n, null);
        int[] rows = sample(n, referenceSize, seed);
        int r = rows.length;
        float[] x = train.data();
        float[][] ref = new float[d][r];
        for (int t = 0; t < r; t++) for (int j = 0; j < d; j++) ref[j][t] = x[rows[t] * d + j];
        return new KnnDistance(ref, d, r, k);
    }

    /** {@code m} of the rows 0..n-1 without replacement, in increasing order (all of them when m >= n): a partial Fisher-Yates shuffle. */
    static int[] sample(int n, int m, long seed) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (m >= n) return idx;
        Random rnd = new Random(seed);
        for (int i = 0; i < m; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] out = Arrays.copyOf(idx, m);
        Arrays.sort(out);
        return out;
    }

    /** Reference points kept. */
    public int referenceSize() {
        return r;
    }

    /** The k-th nearest reference point's distance divided by sqrt(channels), for each row of {@code s}. */
    public double[] distances(LayerSample s) {
        if (s.channels() != d) throw new IllegalArgumentException("fitted on " + d + " channels, got " + s.channels());
        int n = s.n();
        float[] x = s.data(), acc = new float[r], best = new float[k];
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(acc, 0f);
            for (int j = 0; j < d; j++) accumulate(reference[j], x[i * d + j], acc);
            out[i] = Math.sqrt((double) kthSmallest(acc, best) / d);
        }
        return out;
    }

    /** {@code acc[t] += (v - row[t])^2}: a loop the JIT vectorises (it does not when the row is an offset into a larger array). */
    private static void accumulate(float[] row, float v, float[] acc) {
        for (int t = 0; t < acc.length; t++) {
            float diff = v - row[t];
            acc[t] += diff * diff;
        }
    }

    /** The k-th smallest of {@code v} ({@code best.length} = k), by insertion into a sorted list of the k smallest so far. */
    private static float kthSmallest(float[] v, float[] best) {
        int k = best.length;
        Arrays.fill(best, Float.POSITIVE_INFINITY);
        float worst = Float.POSITIVE_INFINITY;
        for (float a : v) {
            if (a >= worst) continue;
            int p = k - 1;
            while (p > 0 && best[p - 1] > a) {
                best[p] = best[p - 1];
                p--;
            }
            best[p] = a;
            worst = best[k - 1];
        }
        return worst;
    }
}
