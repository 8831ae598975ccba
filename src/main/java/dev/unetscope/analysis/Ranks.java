package dev.unetscope.analysis;

import java.util.Arrays;

/** Ranks as scipy.stats.rankdata(method='average'): 1-based, ties get the mean of their ranks. */
final class Ranks {
    private Ranks() {}

    static double[] average(double[] v) {
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

    /** Indices of v in ascending order (stable); -0.0 and 0.0 compare equal, as in numpy. */
    static Integer[] sortedOrder(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : 0);
        return order;
    }
}
