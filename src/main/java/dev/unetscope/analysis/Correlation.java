package dev.unetscope.analysis;

import dev.unetscope.io.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Erf;

/**
 * Pearson r, Spearman rho and Kendall tau-b of paired arrays, each with a two-sided p-value and a
 * percentile bootstrap interval that resamples whole clusters (e.g. checkpoints) with replacement.
 *
 * <p>Values and p-values follow scipy 1.10 (checked by StatsReferenceTest):
 * <ul>
 *   <li>Pearson: scipy.stats.pearsonr; p = 2 * sf of Beta(n/2-1, n/2-1) on (-1, 1) at |r|, which
 *       is the two-sided t-test with n-2 degrees of freedom.
 *   <li>Spearman: Pearson r of average ranks; p from the t approximation with n-2 degrees of
 *       freedom, as scipy.stats.spearmanr (no exact permutation p).
 *   <li>Kendall: tau-b (ties in either variable corrected), as scipy.stats.kendalltau's default;
 *       p as its method='auto': the exact null distribution when there are no ties and
 *       (n &lt;= 33 or at most one discordant/concordant pair), otherwise the normal approximation
 *       with the tie-corrected variance.
 * </ul>
 *
 * <p>Bad data never throws: non-finite pairs are dropped first and counted in {@code reason};
 * fewer than 3 pairs or a constant column gives NaN with the reason. Mismatched array lengths are a
 * caller's fault and throw {@link BadInputException}.
 *
 * <p>Bootstrap: {@code resamples} draws of as many clusters as there are, with replacement, from a
 * {@link SplittableRandom} seeded with {@code seed}; the interval is the (1-level)/2 and
 * (1+level)/2 quantiles of the finite resampled values, interpolated linearly as numpy.percentile.
 * Resamples where the coefficient is undefined (a constant resample) are left out and counted in
 * {@code reason}; if more than half are, the interval is NaN. Without cluster ids every pair is its
 * own cluster. With fewer than 2 clusters the interval is NaN.
 */
public final class Correlation {
    public static final int DEFAULT_RESAMPLES = 2000;
    public static final long DEFAULT_SEED = 0;
    public static final double DEFAULT_LEVEL = 0.95;
    static final String PEARSON = "pearson", SPEARMAN = "spearman", KENDALL = "kendall", WITHIN = "_within";

    private final int resamples;
    private final long seed;
    private final double level;

    /** 2000 resamples, seed 0, 95% intervals. */
    public Correlation() {
        this(DEFAULT_RESAMPLES, DEFAULT_SEED, DEFAULT_LEVEL);
    }

    /**
     * @param resamples bootstrap resamples; 0 skips the bootstrap (lo and hi are NaN)
     * @param seed seed of the resampling
     * @param level coverage of the interval, in (0, 1)
     */
    public Correlation(int resamples, long seed, double level) {
        if (resamples < 0) throw new BadInputException("bootstrap resamples " + resamples + " < 0", "use 0 to skip it, or 2000");
        if (!(level > 0 && level < 1)) throw new BadInputException("interval level " + level + " is not in (0, 1)", "use 0.95");
        this.resamples = resamples;
        this.seed = seed;
        this.level = level;
    }

    public int resamples() {
        return resamples;
    }

    public long seed() {
        return seed;
    }

    public double level() {
        return level;
    }

    /** Pearson, Spearman and Kendall of (x, y), each pair its own bootstrap cluster. */
    public List<Estimate> estimate(double[] x, double[] y) {
        return estimate(x, y, null);
    }

    /**
     * Pearson, Spearman and Kendall of (x, y), in that order.
     *
     * @param groups cluster id of each pair for the bootstrap (null: each pair its own cluster)
     */
    public List<Estimate> estimate(double[] x, double[] y, int[] groups) {
        return run(x, y, groups, false);
    }

    /**
     * Within-group correlation: x and y are centred on their group's mean (e.g. a checkpoint's mean
     * over query sets) before correlating, which asks "for a fixed model, does the score rank the
     * query sets correctly?". Groups with a single pair carry no within-group information and are
     * dropped (counted in reason). The bootstrap resamples whole groups.
     *
     * <p>p-values: Pearson and Spearman use the t-test with n - G - 1 degrees of freedom (G groups),
     * the repeated-measures correlation of Bakdash and Marusich (2017), whose r equals the Pearson r
     * of the centred values; Kendall's p is scipy's on the centred values and does not account for
     * the G means removed, so it is optimistic: prefer the bootstrap interval.
     */
    public List<Estimate> withinGroup(double[] x, double[] y, int[] groups) {
        if (groups == null) throw new BadInputException("within-group correlation needs group ids", "pass one id per pair");
        return run(x, y, groups, true);
    }

    /** Pearson r and its p-value (no bootstrap); NaN with a reason when undefined. */
    public static Estimate pearson(double[] x, double[] y) {
        return new Correlation(0, 0, DEFAULT_LEVEL).estimate(x, y).get(0);
    }

    /** Spearman rho and its p-value (no bootstrap). */
    public static Estimate spearman(double[] x, double[] y) {
        return new Correlation(0, 0, DEFAULT_LEVEL).estimate(x, y).get(1);
    }

    /** Kendall tau-b and its p-value (no bootstrap). */
    public static Estimate kendall(double[] x, double[] y) {
        return new Correlation(0, 0, DEFAULT_LEVEL).estimate(x, y).get(2);
    }

    private List<Estimate> run(double[] x, double[] y, int[] groups, boolean within) {
        if (x == null || y == null) throw new BadInputException("correlation needs two arrays", "pass x and y");
        if (x.length != y.length) {
            throw new BadInputException("x has " + x.length + " values but y has " + y.length, "pass paired arrays");
        }
        if (groups != null && groups.length != x.length) {
            throw new BadInputException(groups.length + " group ids for " + x.length + " pairs", "pass one id per pair");
        }
        String suffix = within ? WITHIN : "";
        List<String> notes = new ArrayList<>();
        int n0 = x.length;
        int[] keep = new int[n0];
        int n = 0;
        for (int i = 0; i < n0; i++) if (Double.isFinite(x[i]) && Double.isFinite(y[i])) keep[n++] = i;
        if (n < n0) notes.add("dropped " + (n0 - n) + " of " + n0 + " pairs with NaN or infinite values");
        double[] cx = new double[n], cy = new double[n];
        int[] cg = new int[n];
        for (int i = 0; i < n; i++) {
            cx[i] = x[keep[i]];
            cy[i] = y[keep[i]];
            cg[i] = groups == null ? i : groups[keep[i]];
        }
        List<int[]> clusters = clusters(cg);
        int dfLoss = 0; // degrees of freedom lost to group means beyond the one overall mean: G - 1
        if (within) {
            List<int[]> multi = new ArrayList<>();
            int singles = 0;
            for (int[] c : clusters) {
                if (c.length < 2) {
                    singles++;
                    continue;
                }
                multi.add(c);
            }
            if (singles > 0) notes.add("dropped " + singles + " groups with a single pair");
            // re-index the kept pairs group by group, centred on their group's mean
            int m = multi.stream().mapToInt(c -> c.length).sum();
            double[] wx = new double[m], wy = new double[m];
            List<int[]> wc = new ArrayList<>();
            int k = 0;
            for (int[] c : multi) {
                double mx = 0, my = 0;
                for (int i : c) {
                    mx += cx[i];
                    my += cy[i];
                }
                mx /= c.length;
                my /= c.length;
                // a value repeated over the group (a checkpoint-level metric) centres to exactly 0,
                // not to rounding noise that would then be "correlated"
                boolean flatX = true, flatY = true;
                for (int i : c) {
                    flatX &= cx[i] == cx[c[0]];
                    flatY &= cy[i] == cy[c[0]];
                }
                int[] idx = new int[c.length];
                for (int j = 0; j < c.length; j++) {
                    wx[k] = flatX ? 0 : cx[c[j]] - mx;
                    wy[k] = flatY ? 0 : cy[c[j]] - my;
                    idx[j] = k++;
                }
                wc.add(idx);
            }
            cx = wx;
            cy = wy;
            clusters = wc;
            n = m;
            dfLoss = multi.size() - 1;
        }

        String undefined = null;
        if (n < 3) undefined = "fewer than 3 pairs (" + n + ")";
        else if (constant(cx)) undefined = within ? "x is constant within every group" : "x is constant";
        else if (constant(cy)) undefined = within ? "y is constant within every group" : "y is constant";
        if (undefined != null) {
            notes.add(undefined);
            String reason = String.join("; ", notes);
            List<Estimate> out = new ArrayList<>();
            for (String m : List.of(PEARSON, SPEARMAN, KENDALL)) {
                out.add(new Estimate(m + suffix, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN, reason));
            }
            return out;
        }

        double r = pearsonR(cx, cy);
        double rho = pearsonR(Ranks.average(cx), Ranks.average(cy));
        KendallCounts kc = KendallCounts.of(cx, cy);
        double tau = kc.tau();
        double pR = tTestP(r, n - 2 - dfLoss);
        double pRho = tTestP(rho, n - 2 - dfLoss);
        double pTau = kc.p();

        double[][] ci = bootstrap(cx, cy, clusters, notes);
        String reason = String.join("; ", notes);
        return List.of(
                new Estimate(PEARSON + suffix, n, r, ci[0][0], ci[0][1], pR, reason),
                new Estimate(SPEARMAN + suffix, n, rho, ci[1][0], ci[1][1], pRho, reason),
                new Estimate(KENDALL + suffix, n, tau, ci[2][0], ci[2][1], pTau, reason));
    }

    /** Percentile intervals {lo, hi} for Pearson, Spearman, Kendall; NaN when not computed. */
    private double[][] bootstrap(double[] x, double[] y, List<int[]> clusters, List<String> notes) {
        double[][] ci = {{Double.NaN, Double.NaN}, {Double.NaN, Double.NaN}, {Double.NaN, Double.NaN}};
        if (resamples == 0) return ci;
        int g = clusters.size();
        if (g < 2) {
            notes.add("no bootstrap interval: fewer than 2 clusters");
            return ci;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        // the draws first, in the one sequence the seed gives; then the resamples' coefficients, independent of each
        // other, on the common pool; kept in draw order, so the interval is the same for any number of threads
        int[][] picks = new int[resamples][g];
        for (int[] pick : picks) for (int j = 0; j < g; j++) pick[j] = rng.nextInt(g);
        // a resample's values are some of x's and y's: their ranks in the whole sample order them as their own would,
        // so Spearman's average ranks come from counting and Kendall's pairs from those ranks, with no sort per resample
        int[] xr = Ranks.dense(x), yr = Ranks.dense(y);
        double[][] coefficients = new double[resamples][];
        IntStream.range(0, resamples).parallel().forEach(b -> coefficients[b] = resample(x, y, xr, yr, clusters, picks[b]));
        double[][] values = new double[3][resamples];
        int[] finite = new int[3];
        for (double[] c : coefficients) {
            if (c == null) continue;
            for (int s = 0; s < 3; s++) values[s][finite[s]++] = c[s];
        }
        int bad = resamples - finite[0];
        if (bad > 0) notes.add(bad + " of " + resamples + " bootstrap resamples undefined (constant) and left out");
        if (2 * bad > resamples) {
            notes.add("no bootstrap interval: over half the resamples undefined");
            return ci;
        }
        for (int s = 0; s < 3; s++) {
            double[] v = Arrays.copyOf(values[s], finite[s]);
            Arrays.sort(v);
            ci[s][0] = quantile(v, (1 - level) / 2);
            ci[s][1] = quantile(v, (1 + level) / 2);
        }
        return ci;
    }

    /** Pearson, Spearman and Kendall of one resample (the clusters {@code pick} names), or null where it is constant. */
    private static double[] resample(double[] x, double[] y, int[] xr, int[] yr, List<int[]> clusters, int[] pick) {
        int m = 0;
        for (int j : pick) m += clusters.get(j).length;
        double[] bx = new double[m], by = new double[m];
        int[] bxr = new int[m], byr = new int[m];
        int k = 0;
        for (int j : pick) {
            for (int i : clusters.get(j)) {
                bx[k] = x[i];
                by[k] = y[i];
                bxr[k] = xr[i];
                byr[k++] = yr[i];
            }
        }
        if (m < 3 || constant(bx) || constant(by)) return null;
        return new double[] {pearsonR(bx, by), pearsonR(Ranks.averageOfRanks(bxr), Ranks.averageOfRanks(byr)),
                KendallCounts.ofRanks(bxr, byr).tau()};
    }

    /** Quantile of sorted v with numpy's default linear interpolation. */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Indices of each cluster, in order of first appearance. */
    private static List<int[]> clusters(int[] ids) {
        Map<Integer, List<Integer>> byId = new LinkedHashMap<>();
        for (int i = 0; i < ids.length; i++) byId.computeIfAbsent(ids[i], k -> new ArrayList<>()).add(i);
        List<int[]> out = new ArrayList<>(byId.size());
        for (List<Integer> c : byId.values()) out.add(c.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    static boolean constant(double[] v) {
        for (double e : v) if (e != v[0]) return false;
        return true;
    }

    /** Pearson r as scipy.stats.pearsonr: dot product of the centred, normalised vectors, clipped to [-1, 1]. */
    static double pearsonR(double[] x, double[] y) {
        int n = x.length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        double nx = Math.sqrt(sxx), ny = Math.sqrt(syy);
        double r = 0;
        for (int i = 0; i < n; i++) r += ((x[i] - mx) / nx) * ((y[i] - my) / ny);
        return Math.max(-1, Math.min(1, r));
    }

    /**
     * Two-sided p of the t-test of a correlation r with df degrees of freedom:
     * 2 * P(T_df &gt; |t|) with t^2 = df r^2 / (1 - r^2), which is I_{1-r^2}(df/2, 1/2).
     */
    static double tTestP(double r, int df) {
        if (Double.isNaN(r) || df < 1) return Double.NaN;
        double x = (1 - r) * (1 + r);
        if (x <= 0) return 0;
        return Math.min(1, Beta.regularizedBeta(x, df / 2.0, 0.5, 1e-15, Integer.MAX_VALUE));
    }

    /** Pair counts for Kendall's tau-b, by Knight's O(n log n) algorithm as scipy. */
    record KendallCounts(int n, long tot, long dis, long xtie, long ytie, long ntie,
            double x0, double x1, double y0, double y1) {

        static KendallCounts of(double[] x, double[] y) {
            return ofRanks(Ranks.dense(x), Ranks.dense(y));
        }

        /**
         * The counts from ranks: any integers from 1 that order the pairs as x and y do (ties equal). Only the order
         * matters, so a bootstrap resample may pass its points' ranks in the whole sample.
         */
        static KendallCounts ofRanks(int[] xr, int[] yr) {
            int n = xr.length;
            // sorted by (x, y) so that joint ties are adjacent: counting sorts by y, then stably by x
            int[] byY = countingOrder(yr, null), order = countingOrder(xr, byY);
            int[] xs = new int[n], ys = new int[n];
            for (int i = 0; i < n; i++) {
                xs[i] = xr[order[i]];
                ys[i] = yr[order[i]];
            }
            // discordant pairs: for each point, earlier points with strictly smaller x and larger y
            int sup = 1;
            for (int v : ys) sup = Math.max(sup, v + 1);
            long[] tree = new long[sup];
            long dis = 0;
            for (int i = 0, k = 0; i < n; ) {
                while (k < n && xs[i] == xs[k]) {
                    dis += i;
                    for (int idx = ys[k]; idx != 0; idx &= idx - 1) dis -= tree[idx];
                    k++;
                }
                for (; i < k; i++) for (int idx = ys[i]; idx < sup; idx += idx & -idx) tree[idx]++;
            }
            long ntie = 0;
            for (int i = 0; i < n; ) {
                int j = i;
                while (j + 1 < n && xs[j + 1] == xs[i] && ys[j + 1] == ys[i]) j++;
                long c = j - i + 1;
                ntie += c * (c - 1) / 2;
                i = j + 1;
            }
            double[] xt = tieStats(xs), yt = tieStats(ys);
            long tot = (long) n * (n - 1) / 2;
            return new KendallCounts(n, tot, dis, (long) xt[0], (long) yt[0], ntie, xt[1], xt[2], yt[1], yt[2]);
        }

        double tau() {
            if (xtie == tot || ytie == tot) return Double.NaN;
            long conMinusDis = tot - xtie - ytie + ntie - 2 * dis;
            double t = conMinusDis / Math.sqrt(tot - xtie) / Math.sqrt(tot - ytie);
            return Math.max(-1, Math.min(1, t));
        }

        /** scipy.stats.kendalltau(method='auto') two-sided p. */
        double p() {
            if (xtie == tot || ytie == tot) return Double.NaN;
            if (xtie == 0 && ytie == 0 && (n <= 33 || Math.min(dis, tot - dis) <= 1)) {
                return exactP(n, tot - dis);
            }
            long conMinusDis = tot - xtie - ytie + ntie - 2 * dis;
            double m = n * (n - 1.0);
            double var = (m * (2.0 * n + 5) - x1 - y1) / 18 + (2.0 * xtie * ytie) / m + x0 * y0 / (9 * m * (n - 2));
            double z = conMinusDis / Math.sqrt(var);
            return Erf.erfc(Math.abs(z) / Math.sqrt(2));
        }

        /** Indices in ascending order of r (positive ints), ties in the order {@code within} lists them (null: index order). */
        private static int[] countingOrder(int[] r, int[] within) {
            int n = r.length, max = 0;
            for (int v : r) max = Math.max(max, v);
            int[] start = new int[max + 2];
            for (int v : r) start[v + 1]++;
            for (int v = 1; v < start.length; v++) start[v] += start[v - 1];
            int[] out = new int[n];
            for (int k = 0; k < n; k++) {
                int i = within == null ? k : within[k];
                out[start[r[i]]++] = i;
            }
            return out;
        }

        /** {sum c(c-1)/2, sum c(c-1)(c-2), sum c(c-1)(2c+5)} over the tie counts c &gt; 1 of dense ranks. */
        private static double[] tieStats(int[] ranks) {
            int[] count = new int[Arrays.stream(ranks).max().orElse(0) + 1];
            for (int r : ranks) count[r]++;
            double t = 0, s0 = 0, s1 = 0;
            for (long c : count) {
                if (c < 2) continue;
                t += c * (c - 1) / 2;
                s0 += c * (c - 1.0) * (c - 2);
                s1 += c * (c - 1.0) * (2 * c + 5);
            }
            return new double[] {t, s0, s1};
        }
    }

    /**
     * Exact two-sided p of Kendall's statistic with c concordant pairs among n untied points, as
     * scipy.stats._mstats_basic._kendall_p_exact (Kendall 1970): the number of permutations of n
     * with at most c inversions, by the cumulative-sum recursion.
     */
    static double exactP(int n, long cIn) {
        long tot = (long) n * (n - 1) / 2;
        long c = Math.min(cIn, tot - cIn);
        double prob;
        if (n <= 2) prob = 1.0;
        else if (c == 0) prob = n < 171 ? 2.0 / factorial(n) : 0.0;
        else if (c == 1) prob = n < 172 ? 2.0 / factorial(n - 1) : 0.0;
        else if (4 * c == (long) n * (n - 1)) prob = 1.0;
        else {
            int cc = (int) c;
            double[] cur = new double[cc + 1];
            cur[0] = 1;
            cur[1] = 1;
            boolean big = n >= 171;
            for (int j = 3; j <= n; j++) {
                double[] next = new double[cc + 1];
                double s = 0;
                for (int i = 0; i <= cc; i++) {
                    s += cur[i];
                    next[i] = big ? s / j : s;
                }
                if (j <= cc) {
                    for (int i = cc; i >= j; i--) next[i] -= next[i - j];
                }
                cur = next;
            }
            double sum = 0;
            for (double v : cur) sum += v;
            prob = big ? sum : 2.0 * sum / factorial(n);
        }
        return Math.max(0, Math.min(1, prob));
    }

    private static double factorial(int n) {
        double f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }
}
