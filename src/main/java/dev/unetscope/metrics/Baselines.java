package dev.unetscope.metrics;

/**
 * The label-free baselines a reviewer asks for, per case, from the network's probabilities:
 * <ul>
 *   <li>{@code softmax_confidence}: mean over voxels of max(p, 1 - p);</li>
 *   <li>{@code gland_confidence}: mean p over the predicted gland (p >= 0.5); NaN when nothing is predicted;</li>
 *   <li>{@code entropy}: mean binary entropy in bits, in [0, 1];</li>
 *   <li>{@code soft_iou}: sum(p * m) / sum(p + m - p * m) with m the thresholded prediction, the
 *       IoU between the probabilities and their own mask (the expected IoU if p were calibrated);</li>
 *   <li>agreement: IoU of two thresholded predictions; both empty counts as
 *       {@link #BOTH_EMPTY_AGREEMENT} (0), because the gland exists in every case and a checkpoint
 *       that predicts nothing would otherwise score perfect agreement.</li>
 * </ul>
 */
public final class Baselines {
    private Baselines() {}

    public static final double BOTH_EMPTY_AGREEMENT = 0.0;

    public record CaseScores(double softmaxConfidence, double glandConfidence, double entropy, double softIoU) {}

    public static CaseScores of(float[] p) {
        double conf = 0, gland = 0, ent = 0, inter = 0, union = 0;
        long nGland = 0;
        for (float v : p) {
            double q = Math.min(1, Math.max(0, v));
            conf += Math.max(q, 1 - q);
            boolean m = q >= 0.5;
            if (m) {
                gland += q;
                nGland++;
            }
            if (q > 0 && q < 1) ent -= (q * Math.log(q) + (1 - q) * Math.log(1 - q)) / Math.log(2);
            double mm = m ? 1 : 0;
            inter += q * mm;
            union += q + mm - q * mm;
        }
        int n = p.length;
        return new CaseScores(conf / n, nGland == 0 ? Double.NaN : gland / nGland, ent / n, union == 0 ? BOTH_EMPTY_AGREEMENT : inter / union);
    }

    /** IoU of the masks {@code a >= 0.5} and {@code b >= 0.5}; both empty gives {@code bothEmpty}. */
    public static double agreement(float[] a, float[] b, double bothEmpty) {
        long i = 0, u = 0;
        for (int k = 0; k < a.length; k++) {
            boolean x = a[k] >= 0.5f, y = b[k] >= 0.5f;
            if (x && y) i++;
            if (x || y) u++;
        }
        return u == 0 ? bothEmpty : (double) i / u;
    }
}
