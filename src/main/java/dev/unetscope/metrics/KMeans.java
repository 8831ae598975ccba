package dev.unetscope.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unetscope.io.BadInputException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * k-means as scikit-learn's {@code KMeans(algorithm="lloyd")}: greedy k-means++ seeding
 * (2 + ln k local trials per centre), Lloyd iterations until the labels stop changing or the
 * squared centre shift falls below {@code tol} times the mean column variance, best of
 * {@code restarts} runs by inertia. Distances are float32 sums of squared differences on the CPU
 * ({@link CpuFeatures}: SIMD loops over column-major blocks, parallel over fixed row groups); the
 * same algorithm on the tensor engine ({@link EngineFeatures}, float32 matmuls) is
 * {@link #fit(FeatureMatrix, EngineFeatures)}.
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
        return fitChecked(x);
    }

    /** {@link #fit(FeatureMatrix)} on rows already checked (finite, at least k distinct). */
    KMeansModel fitChecked(FeatureMatrix x) {
        // shifting by the column means turns a constant column into exact zeros, as on the engine
        return fitChecked(x, new CpuFeatures(x, EngineFeatures.toFloat(x.columnMeans())));
    }

    /** As {@link #fitChecked(FeatureMatrix)} on x already in blocks shifted by its column means (f). */
    KMeansModel fitChecked(FeatureMatrix x, CpuFeatures f) {
        double tolAbs = tol * x.meanColumnVariance();
        return best(f.d, f.shift, rng -> lloyd(x, f, kMeansPlusPlus(x, f, rng), tolAbs));
    }

    /** Lloyd's algorithm from the given centres (shifted coordinates) on the CPU, as {@link #lloyd(FeatureMatrix, EngineFeatures, double[], double)}. */
    private Run lloyd(FeatureMatrix x, CpuFeatures f, double[] centers, double tolAbs) {
        int d = f.d;
        int[] prevLabels = null;
        int iterations = 0;
        Bounds bounds = new Bounds(f.n);
        for (int it = 0; it < maxIter; it++) {
            iterations = it + 1;
            int[] labels = new int[f.n];
            Pass p = pass(f, centers, k, labels, prevLabels, bounds, false);
            double[] updated = new double[k * d];
            for (int j = 0; j < k; j++) {
                if (p.counts[j] == 0) continue;
                for (int q = 0; q < d; q++) updated[j * d + q] = p.sums[j * d + q] / p.counts[j];
            }
            if (hasEmpty(p.counts)) relocateEmptyClusters(x, f.shift, k, centers, labels, p.sums, p.counts, updated);
            double shift = 0;
            for (int i = 0; i < updated.length; i++) shift += (updated[i] - centers[i]) * (updated[i] - centers[i]);
            centers = updated;
            if (prevLabels != null && p.changed == 0) break; // strict convergence
            prevLabels = labels;
            if (shift <= tolAbs) break;
        }
        int[] labels = new int[f.n];
        Pass last = pass(f, centers, k, labels, null, bounds, true);
        return new Run(centers, last.inertia, labels, iterations);
    }

    /** One assignment pass: nearest centre of every row (into labels), the clusters' sums and sizes, the inertia, the labels changed. */
    record Pass(double[] sums, double[] counts, double inertia, long changed) {}

    /**
     * Hamerly's bounds, kept across the passes of one Lloyd run: each row's label, an upper bound on
     * its distance to that centre and a lower bound on its distance to any other. A block of rows
     * whose every row provably keeps its label (upper bound below the larger of the lower bound and
     * half the distance from its centre to the next centre, with a relative margin far above float32
     * rounding) skips the distance computation; any other block is computed whole as without bounds.
     * The labels, sums and inertia are therefore the same as a pass without bounds.
     */
    static final class Bounds {
        /** Relative margin of the skip test: float32 squared distances over d terms are off by far less. */
        static final double MARGIN = 1e-4;
        final int[] label;
        final double[] upper;
        final double[] lower;
        float[] centres; // the centres the bounds refer to; null before the first pass

        Bounds(int n) {
            label = new int[n];
            upper = new double[n];
            lower = new double[n];
        }
    }

    /** A pass without bounds (every row's distance to every centre). */
    static Pass pass(CpuFeatures f, double[] centers, int k, int[] labels, int[] prevLabels) {
        return pass(f, centers, k, labels, prevLabels, null, true);
    }

    /**
     * One pass; with {@code bounds} (may be null) blocks that provably keep their labels skip the
     * distances. {@code inertia}: also sum each row's squared distance to its centre (a skipped row's
     * is recomputed in the kernel's order, so the sum is the same).
     */
    static Pass pass(CpuFeatures f, double[] centers, int k, int[] labels, int[] prevLabels, Bounds bounds, boolean inertiaWanted) {
        int d = f.d, B = CpuFeatures.BLOCK;
        float[] c = EngineFeatures.toFloat(centers);
        double[] move = new double[k];
        double[] half = new double[k];
        double maxMove = 0;
        boolean usable = bounds != null && bounds.centres != null && k > 1;
        if (usable) {
            for (int j = 0; j < k; j++) {
                move[j] = Math.sqrt(sqDist(c, j, bounds.centres, j, d));
                maxMove = Math.max(maxMove, move[j]);
                double near = Double.POSITIVE_INFINITY;
                for (int m = 0; m < k; m++) if (m != j) near = Math.min(near, Math.sqrt(sqDist(c, j, c, m, d)));
                half[j] = 0.5 * near;
            }
        }
        double maxMoveF = maxMove;
        List<Pass> parts = f.perGroup(g -> {
            int[] range = f.groupBlocks(g);
            float[][] acc = new float[k][B];
            double[] sums = new double[k * d];
            double[] counts = new double[k];
            double inertia = 0;
            long changed = 0;
            int[] lab = new int[B];
            for (int b = range[0]; b < range[1]; b++) {
                int rows = f.rows(b), r0 = b * B;
                boolean skip = usable;
                if (usable) {
                    for (int i = 0; i < rows; i++) {
                        int r = r0 + i, a = bounds.label[r];
                        double u = bounds.upper[r] + move[a], l = bounds.lower[r] - maxMoveF;
                        bounds.upper[r] = u;
                        bounds.lower[r] = l;
                        if (!(u < (1 - Bounds.MARGIN) * Math.max(half[a], l))) skip = false;
                    }
                }
                if (skip) {
                    for (int i = 0; i < rows; i++) {
                        int best = bounds.label[r0 + i];
                        lab[i] = best;
                        labels[r0 + i] = best;
                        counts[best]++;
                        if (inertiaWanted) inertia += f.sqDistance(b, i, c, best);
                        if (prevLabels != null && prevLabels[r0 + i] != best) changed++;
                    }
                } else {
                    f.distances(b, c, k, acc);
                    for (int i = 0; i < rows; i++) {
                        int best = 0;
                        float bd = acc[0][i], second = Float.POSITIVE_INFINITY;
                        for (int j = 1; j < k; j++) {
                            float v = acc[j][i];
                            if (v < bd) {
                                second = bd;
                                bd = v;
                                best = j;
                            } else if (v < second) {
                                second = v;
                            }
                        }
                        lab[i] = best;
                        labels[r0 + i] = best;
                        counts[best]++;
                        inertia += bd;
                        if (prevLabels != null && prevLabels[r0 + i] != best) changed++;
                        if (bounds != null) {
                            bounds.label[r0 + i] = best;
                            bounds.upper[r0 + i] = Math.sqrt(bd);
                            bounds.lower[r0 + i] = Math.sqrt(second);
                        }
                    }
                }
                // the rows' shifted values from the row-major source (the same floats as the blocks hold),
                // each cluster's sums in row order: a contiguous loop over the coordinates instead of a scatter
                float[] src = f.source.data(), sh = f.shift;
                for (int i = 0; i < rows; i++) {
                    int o = (r0 + i) * d, s0 = lab[i] * d;
                    for (int q = 0; q < d; q++) sums[s0 + q] += src[o + q] - sh[q];
                }
            }
            return new Pass(sums, counts, inertia, changed);
        });
        if (bounds != null) bounds.centres = c;
        double[] sums = new double[k * d];
        double[] counts = new double[k];
        double inertia = 0;
        long changed = 0;
        for (Pass p : parts) { // in group order: the same result on any number of threads
            add(sums, p.sums);
            add(counts, p.counts);
            inertia += p.inertia;
            changed += p.changed;
        }
        return new Pass(sums, counts, inertia, changed);
    }

    private static double sqDist(float[] a, int i, float[] b, int j, int d) {
        double s = 0;
        for (int q = 0; q < d; q++) {
            double v = (double) a[i * d + q] - b[j * d + q];
            s += v * v;
        }
        return s;
    }

    /** Greedy k-means++ on the CPU, as {@link #kMeansPlusPlus(FeatureMatrix, EngineFeatures, SplittableRandom)}. */
    /**
     * k-means++'s candidate rows: {@code trials} draws proportional to each row's squared distance to its closest
     * chosen centre, given their running sum {@code cum} (total {@code pot}), as numpy's searchsorted (side 'left').
     */
    private static int[] candidates(double[] cum, double pot, int trials, SplittableRandom rnd) {
        int n = cum.length;
        int[] out = new int[trials];
        for (int t = 0; t < trials; t++) {
            double u = rnd.nextDouble() * pot;
            int idx = Arrays.binarySearch(cum, u);
            if (idx < 0) idx = -idx - 1;
            else while (idx > 0 && cum[idx - 1] == u) idx--;
            out[t] = Math.min(idx, n - 1);
        }
        return out;
    }

    private double[] kMeansPlusPlus(FeatureMatrix x, CpuFeatures f, SplittableRandom rnd) {
        int n = f.n, d = f.d;
        int trials = 2 + (int) Math.log(k);
        double[] centers = new double[k * d];
        int first = rnd.nextInt(n);
        setRow(centers, 0, x, first, f.shift);
        float[] closest = distancesTo(f, new int[] {first}, x)[0];
        double pot = 0;
        for (float v : closest) pot += v;
        float[] chosen = new float[k * d]; // the chosen centres as the kernel sees them (float32, shifted)
        setRow(chosen, 0, x, first, f.shift);
        int[] nearest = new int[n]; // which chosen centre each row's closest distance is to
        for (int j = 1; j < k; j++) {
            double[] cum = new double[n];
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += closest[i];
                cum[i] = s;
            }
            int[] candidates = candidates(cum, pot, trials, rnd);
            float[][] dc = closerOf(f, candidates, x, closest, nearest, chosen, j);
            double[] candPot = new double[trials];
            for (int t = 0; t < trials; t++) {
                float[] m = dc[t];
                double p = 0;
                for (int i = 0; i < n; i++) p += m[i];
                candPot[t] = p;
            }
            int best = 0;
            for (int t = 1; t < trials; t++) if (candPot[t] < candPot[best]) best = t;
            pot = candPot[best];
            for (int i = 0; i < n; i++) if (dc[best][i] < closest[i]) nearest[i] = j;
            closest = dc[best];
            setRow(chosen, j, x, candidates[best], f.shift);
            setRow(centers, j, x, candidates[best], f.shift);
        }
        return centers;
    }

    /**
     * For each candidate row, every row's squared distance to it or its current closest distance,
     * whichever is smaller (the k-means++ potential's terms). By the triangle inequality a row whose
     * nearest chosen centre is at least twice (plus a margin far above float32 rounding) its closest
     * distance from the candidate keeps its closest distance: a block of such rows skips the kernel,
     * and the values are the same as computing every distance.
     */
    static float[][] closerOf(CpuFeatures f, int[] rows, FeatureMatrix x, float[] closest, int[] nearest, float[] chosen, int nChosen) {
        int d = f.d, m = rows.length, B = CpuFeatures.BLOCK;
        float[] c = new float[m * d];
        for (int t = 0; t < m; t++) {
            for (int q = 0; q < d; q++) c[t * d + q] = x.data()[rows[t] * d + q] - f.shift[q];
        }
        double[][] apart = new double[nChosen][m]; // chosen centre to candidate
        for (int a = 0; a < nChosen; a++) for (int t = 0; t < m; t++) apart[a][t] = Math.sqrt(sqDist(chosen, a, c, t, d));
        float[][] out = new float[m][f.n];
        f.perGroup(g -> {
            int[] range = f.groupBlocks(g);
            float[][] acc = new float[m][B];
            boolean[] need = new boolean[m];
            for (int b = range[0]; b < range[1]; b++) {
                int rows0 = b * B, nr = f.rows(b);
                int needed = 0;
                for (int t = 0; t < m; t++) {
                    boolean any = false;
                    for (int i = 0; i < nr && !any; i++) {
                        double r = Math.sqrt(closest[rows0 + i]);
                        any = !(apart[nearest[rows0 + i]][t] > 2 * r * (1 + Bounds.MARGIN) + Float.MIN_NORMAL);
                    }
                    need[t] = any;
                    if (any) needed++;
                }
                if (needed > 0) f.distances(b, c, m, acc); // all candidates: the kernel is per block, and a needed one is the common case
                for (int t = 0; t < m; t++) {
                    float[] o = out[t];
                    if (need[t]) {
                        for (int i = 0; i < nr; i++) o[rows0 + i] = Math.min(acc[t][i], closest[rows0 + i]);
                    } else {
                        System.arraycopy(closest, rows0, o, rows0, nr);
                    }
                }
            }
            return g;
        });
        return out;
    }

    /** Squared distances of every row to each of the given rows: one array of n per given row. */
    static float[][] distancesTo(CpuFeatures f, int[] rows, FeatureMatrix x) {
        int d = f.d, m = rows.length, B = CpuFeatures.BLOCK;
        float[] c = new float[m * d];
        for (int t = 0; t < m; t++) {
            for (int q = 0; q < d; q++) c[t * d + q] = x.data()[rows[t] * d + q] - f.shift[q];
        }
        float[][] out = new float[m][f.n];
        f.perGroup(g -> {
            int[] range = f.groupBlocks(g);
            float[][] acc = new float[m][B];
            for (int b = range[0]; b < range[1]; b++) {
                f.distances(b, c, m, acc);
                for (int t = 0; t < m; t++) System.arraycopy(acc[t], 0, out[t], b * B, f.rows(b));
            }
            return g;
        });
        return out;
    }

    /** The work of {@link #fit(FeatureMatrix)} on data already on the engine (checked, shifted). */
    KMeansModel fit(FeatureMatrix x, EngineFeatures f) {
        f.withSqNorms();
        double tolAbs = tol * x.meanColumnVariance();
        return best(f.d, f.shift, rng -> lloyd(x, f, kMeansPlusPlus(x, f, rng), tolAbs));
    }

    /**
     * The restarts: each seeded from the next value of the one seeded stream, the lowest inertia kept
     * (the first on a tie), its centres shifted back by {@code shift} into the input's coordinates.
     */
    private KMeansModel best(int d, float[] shift, java.util.function.Function<SplittableRandom, Run> restart) {
        Random seeds = new Random(seed);
        Run best = null;
        for (int r = 0; r < restarts; r++) {
            Run run = restart.apply(new SplittableRandom(seeds.nextLong()));
            if (best == null || run.inertia < best.inertia) best = run;
        }
        float[] centroids = new float[k * d];
        for (int j = 0; j < k; j++) {
            for (int c = 0; c < d; c++) centroids[j * d + c] = (float) (best.centers[j * d + c] + shift[c]);
        }
        return new KMeansModel(centroids, k, d, best.inertia, best.labels, best.iterations);
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
                int[] candidates = candidates(cum, pot, trials, rnd);
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
        int[] lab = new int[f.n];
        for (int c = 0; c < f.chunks(); c++) {
            int[] l = labels[c].toType(DataType.INT32, false).toIntArray();
            System.arraycopy(l, 0, lab, f.start[c], l.length);
        }
        relocateEmptyClusters(x, f.shift, k, centers, lab, sums, counts, updated);
    }

    /** As above with the labels in an array. */
    static void relocateEmptyClusters(FeatureMatrix x, float[] shift, int k, double[] centers, int[] lab,
                                      double[] sums, double[] counts, double[] updated) {
        int n = x.n(), d = x.d();
        double[] far = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int q = 0; q < d; q++) {
                double v = x.data()[i * d + q] - shift[q] - centers[lab[i] * d + q];
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
                double v = x.data()[i * d + q] - shift[q];
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

    private static void setRow(float[] centers, int j, FeatureMatrix x, int row, float[] shift) {
        int d = x.d();
        for (int q = 0; q < d; q++) centers[j * d + q] = x.data()[row * d + q] - shift[q];
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
