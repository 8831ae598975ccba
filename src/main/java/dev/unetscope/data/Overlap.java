package dev.unetscope.data;

import java.util.BitSet;

/**
 * Overlap of segmentations, with the one threshold rule of the project: a voxel is predicted gland
 * when its probability is at least {@link #THRESHOLD} ({@link #predicted}); a ground-truth mask voxel
 * is gland when it is above 0.5 (masks are 0/1). Lives with the data because the trainer (validation
 * IoU), the evaluation and the label-free agreements all use it.
 *
 * <p>Against the ground truth, two empty masks are a perfect prediction (IoU and Dice 1). Between two
 * predictions ({@link #agreement}) the caller says what two empty masks count as: the gland exists in
 * every case, so the agreement baselines count it as 0.
 */
public final class Overlap {
    private Overlap() {}

    /** Probabilities at or above this are predicted gland. */
    public static final float THRESHOLD = 0.5f;

    public static boolean predicted(float probability) {
        return probability >= THRESHOLD;
    }

    public record Counts(long intersection, long predicted, long truth) {
        public long union() {
            return predicted + truth - intersection;
        }

        public double iou() {
            long u = union();
            return u == 0 ? 1.0 : (double) intersection / u;
        }

        public double dice() {
            long s = predicted + truth;
            return s == 0 ? 1.0 : 2.0 * intersection / s;
        }
    }

    /** Counts for a prediction (probabilities or a 0/1 mask) against a 0/1 ground-truth mask. */
    public static Counts counts(float[] prediction, float[] truth) {
        if (prediction.length != truth.length) {
            throw new IllegalArgumentException("masks differ in size: " + prediction.length + " vs " + truth.length);
        }
        return countsAt(prediction, truth, 0, prediction.length);
    }

    /** Counts for {@code probabilities[offset, offset + length)} thresholded by {@link #predicted} against a 0/1 truth. */
    public static Counts countsAt(float[] probabilities, float[] truth, int offset, int length) {
        long i = 0, p = 0, t = 0;
        for (int k = 0; k < length; k++) {
            boolean a = predicted(probabilities[offset + k]), b = truth[k] > 0.5f;
            if (a) p++;
            if (b) t++;
            if (a && b) i++;
        }
        return new Counts(i, p, t);
    }

    public static double iou(float[] prediction, float[] truth) {
        return counts(prediction, truth).iou();
    }

    public static double dice(float[] prediction, float[] truth) {
        return counts(prediction, truth).dice();
    }

    /** The predicted mask of a probability map. */
    public static BitSet mask(float[] probabilities) {
        BitSet b = new BitSet(probabilities.length);
        for (int i = 0; i < probabilities.length; i++) if (predicted(probabilities[i])) b.set(i);
        return b;
    }

    /** IoU of two predicted masks; two empty masks give {@code bothEmpty}. */
    public static double agreement(BitSet a, BitSet b, double bothEmpty) {
        BitSet i = (BitSet) a.clone();
        i.and(b);
        BitSet u = (BitSet) a.clone();
        u.or(b);
        int un = u.cardinality();
        return un == 0 ? bothEmpty : (double) i.cardinality() / un;
    }
}
