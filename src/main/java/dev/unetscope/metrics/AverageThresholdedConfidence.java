package dev.unetscope.metrics;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Average thresholded confidence (ATC; Garg et al., ICLR 2022) adapted to IoU: a dataset-level
 * estimate of a checkpoint's IoU on unlabelled scans, directly comparable with the predicted IoU.
 * <p>
 * Per voxel the confidence is c = max(p, 1 - p). Given a threshold t, a case's voxels are counted as
 * if the confident ones were right: predicted-gland voxels (p at or above the threshold, the mask M)
 * with c &gt; t as true positives, those with c &lt;= t as false positives, background voxels with
 * c &lt;= t as missed gland (false negatives). The case's ATC estimate of IoU is
 * <pre>  atc(t) = #{v in M : c_v &gt; t} / (|M| + #{v not in M : c_v &lt;= t})</pre>
 * (0 when the denominator is 0: nothing predicted and every voxel confident; the gland is in every
 * case). atc(t) falls from 1 (t just below 0.5, M non-empty) to 0 (t = 1) as t grows.
 * <p>
 * The threshold is fitted on the labelled validation split: t* is the smallest t in [0.5, 1] with
 * mean over the validation cases of atc(t) at or below the validation IoU (the mean over its cases
 * of the thresholded prediction's IoU), found by bisection (60 halvings). On a query set each case
 * gets atc(t*); the set's value is the mean over its cases. On the validation split itself the value
 * is the validation IoU by construction (to within one voxel's step), so it says nothing there.
 */
public final class AverageThresholdedConfidence {
    /** Per case, the confidences of the predicted-gland voxels and of the others, each sorted ascending. */
    private final float[][] gland, background;

    private AverageThresholdedConfidence(float[][] gland, float[][] background) {
        this.gland = gland;
        this.background = background;
    }

    /** Confidence max(p, 1 - p) of a probability (clamped to [0, 1]). */
    public static float confidence(float p) {
        float q = Math.min(1f, Math.max(0f, p));
        return Math.max(q, 1f - q);
    }

    /** The cases' confidences split by the predicted masks, ready for any threshold. */
    public static AverageThresholdedConfidence of(List<float[]> probs, List<BitSet> masks) {
        int n = probs.size();
        float[][] g = new float[n][], b = new float[n][];
        for (int c = 0; c < n; c++) {
            float[] p = probs.get(c);
            BitSet m = masks.get(c);
            int k = m.cardinality();
            g[c] = new float[k];
            b[c] = new float[p.length - k];
            int gi = 0, bi = 0;
            for (int i = 0; i < p.length; i++) {
                if (m.get(i)) g[c][gi++] = confidence(p[i]);
                else b[c][bi++] = confidence(p[i]);
            }
            Arrays.sort(g[c]);
            Arrays.sort(b[c]);
        }
        return new AverageThresholdedConfidence(g, b);
    }

    /** The ATC estimate of IoU of case {@code c} at threshold {@code t}. */
    public double estimate(int c, double t) {
        long confidentGland = gland[c].length - atMost(gland[c], t);
        long missed = atMost(background[c], t);
        long denominator = gland[c].length + missed;
        return denominator == 0 ? 0.0 : (double) confidentGland / denominator;
    }

    /** The ATC estimate of IoU of one case from its probabilities and predicted mask, at threshold {@code t} (one pass, no sorting). */
    public static double estimate(float[] p, BitSet predicted, double t) {
        long confidentGland = 0, gland = 0, missed = 0;
        for (int i = 0; i < p.length; i++) {
            boolean confident = confidence(p[i]) > t;
            if (predicted.get(i)) {
                gland++;
                if (confident) confidentGland++;
            } else if (!confident) {
                missed++;
            }
        }
        long denominator = gland + missed;
        return denominator == 0 ? 0.0 : (double) confidentGland / denominator;
    }

    /** Mean over the cases of {@link #estimate}. */
    public double meanEstimate(double t) {
        double sum = 0;
        for (int c = 0; c < gland.length; c++) sum += estimate(c, t);
        return sum / gland.length;
    }

    /** The smallest t in [0.5, 1] whose mean estimate is at or below {@code targetIoU} (bisection, 60 halvings). */
    public double fit(double targetIoU) {
        if (gland.length == 0 || Double.isNaN(targetIoU)) return Double.NaN;
        double lo = 0.5, hi = 1.0;
        if (meanEstimate(lo) <= targetIoU) return lo;
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (meanEstimate(mid) <= targetIoU) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /** Number of values at or below t in an ascending array. */
    private static int atMost(float[] sorted, double t) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= t) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
