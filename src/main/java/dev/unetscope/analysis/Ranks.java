package dev.unetscope.analysis;

import java.util.Arrays;

/**
 * Ranks as scipy.stats.rankdata(method='average'): 1-based, ties get the mean of their ranks; and dense ranks
 * (1, 2, ... over the distinct values). Dense ranks sort a primitive copy and look each value up among the
 * distinct ones, and average ranks are counted from them: the bootstrap of the correlations ranks 2000 resamples per score and scope, and sorting boxed indices
 * with a comparator was most of the correlate stage's time. -0.0 and 0.0 are one value, as in numpy.
 */
final class Ranks {
    private Ranks() {}

    static double[] average(double[] v) {
        return hasNaN(v) ? averageByOrder(v) : averageOfRanks(dense(v));
    }

    /**
     * {@link #average} of values known only by their ranks (positive ints that order them, ties equal), by
     * counting: a value with c copies after s smaller ones holds ranks s+1 .. s+c, mean (s + s+c-1)/2 + 1.
     */
    static double[] averageOfRanks(int[] r) {
        int max = 0;
        for (int v : r) max = Math.max(max, v);
        int[] count = new int[max + 1];
        for (int v : r) count[v]++;
        double[] mean = new double[max + 1];
        int below = 0;
        for (int v = 1; v <= max; v++) {
            if (count[v] == 0) continue;
            int i = below, j = below + count[v] - 1;
            mean[v] = (i + j) / 2.0 + 1;
            below += count[v];
        }
        double[] out = new double[r.length];
        for (int k = 0; k < r.length; k++) out[k] = mean[r[k]];
        return out;
    }

    /** Dense ranks from 1, ascending: the k-th smallest distinct value has rank k. */
    static int[] dense(double[] v) {
        int n = v.length;
        if (hasNaN(v)) return denseByOrder(v);
        double[] s = sortedCopy(v);
        int u = 0;
        for (int i = 0; i < n; i++) if (i == 0 || s[i] != s[u - 1]) s[u++] = s[i];
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = Arrays.binarySearch(s, 0, u, v[i] + 0.0) + 1;
        return r;
    }

    /** Indices of v in ascending order (stable); -0.0 and 0.0 compare equal, as in numpy. */
    static Integer[] sortedOrder(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : 0);
        return order;
    }

    /** A sorted copy with -0.0 made 0.0 (x + 0.0 is +0.0 for either zero), so both zeros are one distinct value. */
    private static double[] sortedCopy(double[] v) {
        double[] s = new double[v.length];
        for (int i = 0; i < v.length; i++) s[i] = v[i] + 0.0;
        Arrays.sort(s);
        return s;
    }

    private static boolean hasNaN(double[] v) {
        for (double e : v) if (Double.isNaN(e)) return true;
        return false;
    }

    /** The comparator-ordered form, kept for input with NaN (which compares equal to everything there). */
    private static double[] averageByOrder(double[] v) {
        int n = v.length;
        Integer[] order = sortedOrder(v);
        double[] r = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1; // ranks i+1 .. j+1, mean (i+j)/2 + 1
            for (int k = i; k <= j; k++) r[order[k]] = rank;
            i = j + 1;
        }
        return r;
    }

    private static int[] denseByOrder(double[] v) {
        Integer[] order = sortedOrder(v);
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[order[i]] = i == 0 ? 1 : r[order[i - 1]] + (v[order[i]] != v[order[i - 1]] ? 1 : 0);
        }
        return r;
    }
}
