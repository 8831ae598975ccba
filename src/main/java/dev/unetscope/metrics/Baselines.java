package dev.unetscope.metrics;

/**
 * The label-free baselines a reviewer asks for, per case, from the network's probabilities:
 * <ul>
 *   <li>{@code softmax_confidence}: mean over voxels of max(p, 1 - p);</li>
 *   <li>{@code gland_confidence}: mean p over the predicted gland; NaN when nothing is predicted;</li>
 *   <li>{@code entropy}: mean binary entropy in bits, in [0, 1];</li>
 *   <li>{@code soft_iou}: sum(p * m) / sum(p + m - p * m) with m the thresholded prediction, the
 *       IoU between the probabilities and their own mask (the expected IoU if p were calibrated);</li>
 * </ul>
 * The predicted mask comes from the caller (the project's one threshold rule lives in
 * {@code data.Overlap}, which this package may not import). Agreements between two predictions count
 * two empty masks as {@link #BOTH_EMPTY_AGREEMENT} (0): the gland exists in every case, and a
 * checkpoint that predicts nothing would otherwise score perfect agreement.
 */
public final class Baselines {
    private Baselines() {}

    public static final double BOTH_EMPTY_AGREEMENT = 0.0;

    public record CaseScores(double softmaxConfidence, double glandConfidence, double entropy, double softIoU) {}

    /** The baselines of one case: probabilities {@code p} and the predicted mask {@code predicted} of the same voxels. */
    public static CaseScores of(float[] p, java.util.BitSet predicted) {
        double conf = 0, gland = 0, ent = 0, inter = 0, union = 0;
        long nGland = 0;
        for (int i = 0; i < p.length; i++) {
            double q = Math.min(1, Math.max(0, p[i]));
            conf += Math.max(q, 1 - q);
            boolean m = predicted.get(i);
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
}
