package dev.unetscope.data;

/**
 * Overlap of two binary masks (values > 0.5 count as inside). Lives with the data because both the
 * trainer (validation IoU) and the evaluation use it. When both masks are empty the prediction is
 * perfect and both scores are 1.
 */
public final class Overlap {
    private Overlap() {}

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

    public static Counts counts(float[] prediction, float[] truth) {
        if (prediction.length != truth.length) {
            throw new IllegalArgumentException("masks differ in size: " + prediction.length + " vs " + truth.length);
        }
        long i = 0, p = 0, t = 0;
        for (int k = 0; k < prediction.length; k++) {
            boolean a = prediction[k] > 0.5f, b = truth[k] > 0.5f;
            if (a) p++;
            if (b) t++;
            if (a && b) i++;
        }
        return new Counts(i, p, t);
    }

    /** Counts for the probabilities thresholded at {@code threshold} against a binary truth. */
    public static Counts countsAt(float[] probabilities, float[] truth, float threshold, int offset, int length) {
        long i = 0, p = 0, t = 0;
        for (int k = 0; k < length; k++) {
            boolean a = probabilities[offset + k] >= threshold, b = truth[k] > 0.5f;
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
}
