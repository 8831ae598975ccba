package dev.unetscope.data;

/** Otsu's threshold on a 256-bin histogram: separates the body from the air around it. */
final class Otsu {
    private Otsu() {}

    static double threshold(float[] d) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (float x : d) {
            if (x < min) min = x;
            if (x > max) max = x;
        }
        if (!(max > min)) return min;
        int bins = 256;
        long[] hist = new long[bins];
        double w = (max - min) / bins;
        for (float x : d) hist[Math.min(bins - 1, (int) ((x - min) / w))]++;
        long total = d.length;
        double sumAll = 0;
        for (int i = 0; i < bins; i++) sumAll += i * (double) hist[i];
        double sumB = 0, best = -1;
        long wB = 0;
        int bestI = 0;
        for (int i = 0; i < bins; i++) {
            wB += hist[i];
            if (wB == 0) continue;
            long wF = total - wB;
            if (wF == 0) break;
            sumB += i * (double) hist[i];
            double mB = sumB / wB, mF = (sumAll - sumB) / wF;
            double between = (double) wB * wF * (mB - mF) * (mB - mF);
            if (between > best) {
                best = between;
                bestI = i;
            }
        }
        return min + (bestI + 1) * w;
    }
}
