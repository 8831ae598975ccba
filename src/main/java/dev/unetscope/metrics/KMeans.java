package dev.unetscope.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unetscope.io.BadInputException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * k-means as scikit-learn's {@code KMeans(algorithm="lloyd")}: greedy k-means++ seeding
 * (2 + ln k local trials per centre), Lloyd iterations until the labels stop changing or the
 * squared centre shift falls below {@code tol} times the mean column variance, best of
 * {@code restarts} runs by inertia. Distances are float32 matmuls on the tensor engine.
 *
 * @param k        number of clusters
 * @param restarts independent seedings (sklearn's n_init); the lowest inertia wins
 * @param maxIter  Lloyd iterations per run
 * @param tol      relative tolerance on the centre shift (times the mean column variance of X)
 * @param seed     seed of the seeding; the same seed gives the same clusters
 */
public record KMeans(int k, int restarts, int maxIter, double tol, long seed) {
    public static final int DEFAULT_RESTARTS = 3;
    public static final int DEFAULT_MAX_ITER = 300;
    public static final double DEFAULT_TOL = 1e-4;

    public KMeans {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, not " + k);
        if (restarts < 1) throw new IllegalArgumentException("restarts must be at least 1, not " + restarts);
        if (maxIter < 1) throw new IllegalArgumentException("maxIter must be at least 1, not " + maxIter);
        if (!(tol >= 0)) throw new IllegalArgumentException("tol must be >= 0, not " + tol);
    }

    /** k clusters, 3 restarts, 300 iterations, tol 1e-4. */
    public KMeans(int k, long seed) {
        this(k, DEFAULT_RESTARTS, DEFAULT_MAX_ITER, DEFAULT_TOL, seed);
    }

    public KMeans withRestarts(int restarts) {
        return new KMeans(k, restarts, maxIter, tol, seed);
    }

    public KMeans withMaxIter(int maxIter) {
        return new KMeans(k, restarts, maxIter, tol, seed);
    }

    public KMeans withTol(double tol) {
        return new KMeans(k, restarts, maxIter, tol, seed);
    }

    /**
     * Clusters the rows of x.
     *
     * @throws BadInputException "NaN in features ..." for NaN or infinite values, or
     *                           "k=… is larger than the … points" when x has fewer than k distinct rows
     */
    public KMeansModel fit(FeatureMatrix x) {
        x.requireFinite(null);
        requireDistinctRows(x, k);
        try (EngineFeatures f = new EngineFeatures(x, EngineFeatures.toFloat(x.columnMeans()), Math.max(x.d(), k))) {
            return fit(x, f);
        }
    }

    /** The work of {@link #fit(FeatureMatrix)} on data already on the engine (checked, shifted). */
    KMeansModel fit(FeatureMatrix x, EngineFeatures f) {
        f.withSqNorms();
        double tolAbs = tol * x.meanColumnVariance();
        Random seeds = new Random(seed);
        Run best = null;
        for (int r = 0; r < restarts; r++) {
            Run run = lloyd(x, f, kMeansPlusPlus(x, f, new SplittableRandom(seeds.nextLong())), tolAbs);
            if (best == null || run.inertia < best.inertia) best = run;
        }
        float[] centroids = new float[k * f.d];
        for (int j = 0; j < k; j++) {
            for (int c = 0; c < f.d; c++) centroids[j * f.d + c] = (float) (best.centers[j * f.d + c] + f.shift[c]);
        }
        return new KMeansModel(centroids, k, f.d, best.inertia, best.labels, best.iterations);
    }

    private record Run(double[] centers, double inertia, int[] labels, int iterations) {}

    /** Lloyd's algorithm from the given centres (shifted coordinates), as sklearn's _kmeans_single_lloyd. */
    private Run lloyd(FeatureMatrix x, EngineFeatures f, double[] centers, double tolAbs) {
        int d = f.d;
        NDArray[] prevLabels = null;
        NDManager prevGen = null;
        int iterations = 0;
        try {
            for (int it = 0; it < maxIter; it++) {
                iterations = it + 1;
                NDManager gen = f.manager.newSubManager();
                NDArray[] labels = new NDArray[f.chunks()];
                double[] sums = new double[k * d];
                double[] counts = new double[k];
                long changed = 0;
                NDArray cT = gen.create(EngineFeatures.toFloat(centers), new Shape(k, d)).transpose();
                NDArray c2 = cT.square().sum(new int[] {0}, true);
                for (int c = 0; c < f.chunks(); c++) {
                    try (NDManager sub = f.scope(c)) {
                        NDArray dist = f.x[c].matMul(cT).mul(-2f).add(f.sqNorm(c)).add(c2);
                        NDArray lab = dist.argMin(1);
                        NDArray oneHot = lab.oneHot(k, DataType.FLOAT32);
                        add(sums, oneHot.transpose().matMul(f.x[c]).toFloatArray());
                        add(counts, oneHot.sum(new int[] {0}).toFloatArray());
                        if (prevLabels != null) changed += lab.neq(prevLabels[c]).sum().toType(DataType.INT64, false).getLong();
                        lab.attach(gen);
                        labels[c] = lab;
                    }
                }
                double[] updated = new double[k * d];
                for (int j = 0; j < k; j++) {
                    if (counts[j] == 0) continue;
                    for (int q = 0; q < d; q++) updated[j * d + q] = sums[j * d + q] / counts[j];
                }
                if (hasEmpty(counts)) relocateEmptyClusters(x, f, centers, labels, sums, counts, updated);
                double shift = 0;
                for (int i = 0; i < updated.length; i++) shift += (updated[i] - centers[i]) * (updated[i] - centers[i]);
                centers = updated;
                if (prevGen != null) prevGen.close();
                prevGen = gen;
                if (prevLabels != null && changed == 0) break; // strict convergence
                prevLabels = labels;
                if (shift <= tolAbs) break;
            }
        } finally {
            if (prevGen != null) prevGen.close();
        }
        Assignment a = assign(f, centers, k);
        return new Run(centers, a.inertia, a.labels, iterations);
    }

    record Assignment(int[] labels, double inertia) {}

    /** Nearest centre of every row and the sum of squared distances (shifted coordinates). */
    static Assignment assign(EngineFeatures f, double[] centers, int k) {
        int d = f.d;
        int[] labels = new int[f.n];
        double inertia = 0;
        try (NDManager gen = f.manager.newSubManager()) {
            NDArray cm = gen.create(EngineFeatures.toFloat(centers), new Shape(k, d));
            NDArray cT = cm.transpose();
            NDArray c2 = cT.square().sum(new int[] {0}, true);
            for (int c = 0; c < f.chunks(); c++) {
                try (NDManager sub = f.scope(c)) {
                    NDArray dist = f.x[c].matMul(cT).mul(-2f).add(f.sqNorm(c)).add(c2);
                    NDArray lab = dist.argMin(1);
                    // exact squared distance to the chosen centre: one-hot matmul gathers it without rounding
                    NDArray diff = f.x[c].sub(lab.oneHot(k, DataType.FLOAT32).matMul(cm));
                    float[] rowInertia = diff.square().sum(new int[] {1}).toFloatArray();
                    for (float v : rowInertia) inertia += v;
                    int[] l = lab.toType(DataType.INT32, false).toIntArray();
                    System.arraycopy(l, 0, labels, f.start[c], l.length);
                }
            }
        }
        return new Assignment(labels, inertia);
    }

    /** Greedy k-means++ as sklearn's _kmeans_plusplus: of 2 + ln k candidates keep the one that lowers the potential most. */
    private double[] kMeansPlusPlus(FeatureMatrix x, EngineFeatures f, SplittableRandom rnd) {
        int n = f.n, d = f.d;
        int trials = 2 + (int) Math.log(k);
        double[] centers = new double[k * d];
        int first = rnd.nextInt(n);
        setRow(centers, 0, x, first, f.shift);
        NDManager gen = f.manager.newSubManager();
        try {
            NDArray[] closest = distancesTo(f, gen, new int[] {first}, x);
            double pot = 0;
            for (NDArray a : closest) pot += a.sum().getFloat();
            for (int j = 1; j < k; j++) {
                double[] cum = new double[n];
                double s = 0;
                for (int c = 0; c < f.chunks(); c++) {
                    float[] v = closest[c].toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        s += v[i];
                        cum[f.start[c] + i] = s;
                    }
                }
                int[] candidates = new int[trials];
                for (int t = 0; t < trials; t++) {
                    double u = rnd.nextDouble() * pot;
                    int idx = Arrays.binarySearch(cum, u);
                    if (idx < 0) idx = -idx - 1;
                    else while (idx > 0 && cum[idx - 1] == u) idx--; // numpy searchsorted side='left'
                    candidates[t] = Math.min(idx, n - 1);
                }
                NDManager next = f.manager.newSubManager();
                NDArray[] dc = distancesTo(f, next, candidates, x);
                double[] candPot = new double[trials];
                for (int c = 0; c < f.chunks(); c++) {
                    try (NDManager sub = next.newSubManager()) {
                        dc[c].tempAttach(sub);
                        closest[c].tempAttach(sub);
                        NDArray m = dc[c].minimum(closest[c].reshape(-1, 1));
                        m.attach(next);
                        dc[c] = m;
                        add(candPot, toDouble(m.sum(new int[] {0}).toFloatArray()));
                    }
                }
                int best = 0;
                for (int t = 1; t < trials; t++) if (candPot[t] < candPot[best]) best = t;
                pot = candPot[best];
                for (int c = 0; c < f.chunks(); c++) {
                    NDArray col = dc[c].get(":, " + best).duplicate();
                    col.attach(next);
                    closest[c] = col;
                }
                setRow(centers, j, x, candidates[best], f.shift);
                gen.close();
                gen = next;
            }
        } finally {
            gen.close();
        }
        return centers;
    }

    /** Squared distances (clamped at 0) of every row to the given rows, chunk rows x rows.length (a vector for one row). */
    private static NDArray[] distancesTo(EngineFeatures f, NDManager into, int[] rows, FeatureMatrix x) {
        int d = f.d;
        float[] buf = new float[rows.length * d];
        for (int t = 0; t < rows.length; t++) {
            for (int q = 0; q < d; q++) buf[t * d + q] = x.data()[rows[t] * d + q] - f.shift[q];
        }
        NDArray cT = into.create(buf, new Shape(rows.length, d)).transpose();
        NDArray c2 = cT.square().sum(new int[] {0}, true);
        NDArray[] out = new NDArray[f.chunks()];
        for (int c = 0; c < f.chunks(); c++) {
            try (NDManager sub = f.scope(c)) {
                NDArray dist = f.x[c].matMul(cT).mul(-2f).add(f.sqNorm(c)).add(c2).maximum(0f);
                if (rows.length == 1) dist = dist.reshape(-1);
                dist.attach(into);
                out[c] = dist;
            }
        }
        return out;
    }

    /** sklearn's _relocate_empty_clusters_dense: empty clusters take the points farthest from their centres. */
    private void relocateEmptyClusters(FeatureMatrix x, EngineFeatures f, double[] centers, NDArray[] labels,
                                       double[] sums, double[] counts, double[] updated) {
        int n = f.n, d = f.d;
        int[] lab = new int[n];
        for (int c = 0; c < f.chunks(); c++) {
            int[] l = labels[c].toType(DataType.INT32, false).toIntArray();
            System.arraycopy(l, 0, lab, f.start[c], l.length);
        }
        double[] far = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int q = 0; q < d; q++) {
                double v = x.data()[i * d + q] - f.shift[q] - centers[lab[i] * d + q];
                s += v * v;
            }
            far[i] = s;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(far[b], far[a]));
        int next = 0;
        for (int j = 0; j < k; j++) {
            if (counts[j] != 0) continue;
            int i = order[next++];
            int donor = lab[i];
            for (int q = 0; q < d; q++) {
                double v = x.data()[i * d + q] - f.shift[q];
                sums[donor * d + q] -= v;
                sums[j * d + q] = v;
            }
            counts[donor] -= 1;
            counts[j] = 1;
        }
        for (int j = 0; j < k; j++) {
            for (int q = 0; q < d; q++) updated[j * d + q] = counts[j] > 0 ? sums[j * d + q] / counts[j] : centers[j * d + q];
        }
    }

    private static boolean hasEmpty(double[] counts) {
        for (double c : counts) if (c == 0) return true;
        return false;
    }

    private static void setRow(double[] centers, int j, FeatureMatrix x, int row, float[] shift) {
        int d = x.d();
        for (int q = 0; q < d; q++) centers[j * d + q] = x.data()[row * d + q] - shift[q];
    }

    static void add(double[] acc, float[] v) {
        for (int i = 0; i < acc.length; i++) acc[i] += v[i];
    }

    static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) acc[i] += v[i];
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /** Fails unless x has at least k distinct rows (stops as soon as it has seen k). */
    static void requireDistinctRows(FeatureMatrix x, int k) {
        Set<FloatRow> seen = new HashSet<>();
        for (int i = 0; i < x.n() && seen.size() < k; i++) seen.add(new FloatRow(x.data(), i * x.d(), x.d()));
        if (seen.size() < k) {
            throw new BadInputException("k=" + k + " is larger than the " + seen.size() + " distinct points",
                    "use fewer clusters or sample more positions");
        }
    }

    private record FloatRow(float[] data, int offset, int d) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof FloatRow r)) return false;
            return Arrays.equals(data, offset, offset + d, r.data, r.offset, r.offset + r.d);
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (int i = offset; i < offset + d; i++) h = 31 * h + Float.hashCode(data[i]);
            return h;
        }
    }
}
