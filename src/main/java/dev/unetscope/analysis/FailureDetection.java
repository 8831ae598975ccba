package dev.unetscope.analysis;

import dev.unetscope.io.BadInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * How well a per-case score (higher = more confident) flags failed cases (IoU below a threshold).
 *
 * <ul>
 *   <li>AUROC: the probability that a failed case scores lower than a good one, ties counting 1/2
 *       (Mann-Whitney U / (failures x good)); equal to sklearn.metrics.roc_auc_score(failed, -score).
 *       0.5 is chance, 1 is perfect. Undefined (NaN) when all cases fail or none does.
 *   <li>AURC: area under the risk-coverage curve (Geifman and El-Yaniv). Cases are accepted in
 *       order of descending score; at coverage k/n the selective risk is the mean loss of the k
 *       accepted cases; AURC = (1/n) sum_{k=1..n} risk(k). Two losses: {@code aurcFailure} uses
 *       the failure indicator (selective risk of failure), {@code aurcLoss} uses 1 - IoU. Lower is
 *       better. Tied scores are accepted as a block in random order and the expected risk is used:
 *       inside a block, accepting j of its m cases adds j/m of the block's loss, so the result
 *       does not depend on how ties happen to be ordered.
 *   <li>The oracle AURC of each loss (cases accepted by ascending true loss) is the floor a score
 *       could reach; AURC minus oracle is the excess AURC (E-AURC).
 * </ul>
 * Cases with a non-finite score or IoU are dropped and counted in {@code reason}.
 */
public final class FailureDetection {
    public static final double DEFAULT_THRESHOLD = 0.7;

    private FailureDetection() {}

    /**
     * @param n cases used
     * @param failures cases with IoU &lt; threshold
     * @param threshold the IoU below which a case failed
     * @param auroc AUROC of flagging failures by low score; NaN when undefined
     * @param aurcFailure AURC with the failure indicator as loss (selective risk of failure)
     * @param aurcLoss AURC with 1 - IoU as loss
     * @param oracleAurcFailure AURC of the failure indicator accepting cases by true loss
     * @param oracleAurcLoss AURC of 1 - IoU accepting cases by ascending 1 - IoU
     * @param reason empty unless something was dropped or is undefined
     */
    public record Detection(int n, int failures, double threshold, double auroc, double aurcFailure,
            double aurcLoss, double oracleAurcFailure, double oracleAurcLoss, String reason) {}

    /** {@link #evaluate(double[], double[], double)} with threshold 0.7. */
    public static Detection evaluate(double[] score, double[] iou) {
        return evaluate(score, iou, DEFAULT_THRESHOLD);
    }

    public static Detection evaluate(double[] score, double[] iou, double threshold) {
        if (score == null || iou == null) throw new BadInputException("failure detection needs scores and IoUs", "pass both");
        if (score.length != iou.length) {
            throw new BadInputException(score.length + " scores for " + iou.length + " IoUs", "pass one score per case");
        }
        if (!Double.isFinite(threshold)) throw new BadInputException("IoU threshold " + threshold + " is not finite", "use 0.7");
        List<String> notes = new ArrayList<>();
        int n0 = score.length, n = 0;
        for (int i = 0; i < n0; i++) if (Double.isFinite(score[i]) && Double.isFinite(iou[i])) n++;
        if (n < n0) notes.add("dropped " + (n0 - n) + " of " + n0 + " cases with NaN or infinite score or IoU");
        double[] s = new double[n], fail = new double[n], loss = new double[n];
        int failures = 0;
        for (int i = 0, k = 0; i < n0; i++) {
            if (!(Double.isFinite(score[i]) && Double.isFinite(iou[i]))) continue;
            s[k] = score[i];
            fail[k] = iou[i] < threshold ? 1 : 0;
            loss[k] = 1 - iou[i];
            failures += (int) fail[k];
            k++;
        }
        if (n == 0) {
            notes.add("no cases");
            return new Detection(0, 0, threshold, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    String.join("; ", notes));
        }
        boolean[] failed = new boolean[n];
        for (int i = 0; i < n; i++) failed[i] = fail[i] == 1;
        double auroc = auroc(s, failed);
        if (failures == 0) notes.add("AUROC undefined: no case has IoU < " + threshold);
        else if (failures == n) notes.add("AUROC undefined: every case has IoU < " + threshold);
        // the oracle accepts by ascending 1 - IoU, which also accepts every good case before any failure
        double[] negLoss = new double[n];
        for (int i = 0; i < n; i++) negLoss[i] = -loss[i];
        return new Detection(n, failures, threshold, auroc, aurc(s, fail), aurc(s, loss), aurc(negLoss, fail),
                aurc(negLoss, loss), String.join("; ", notes));
    }

    /**
     * AUROC of flagging {@code failed} cases by low score: U / (n_fail n_good) with U the
     * Mann-Whitney statistic of -score (average ranks for ties). NaN when either class is empty.
     */
    public static double auroc(double[] score, boolean[] failed) {
        if (score.length != failed.length) {
            throw new BadInputException(score.length + " scores for " + failed.length + " labels", "pass one score per case");
        }
        int n = score.length;
        double[] neg = new double[n];
        for (int i = 0; i < n; i++) neg[i] = -score[i];
        double[] r = Ranks.average(neg);
        long nf = 0;
        double rankSum = 0;
        for (int i = 0; i < n; i++) {
            if (failed[i]) {
                nf++;
                rankSum += r[i];
            }
        }
        long ng = n - nf;
        if (nf == 0 || ng == 0) return Double.NaN;
        double u = rankSum - nf * (nf + 1) / 2.0;
        return u / ((double) nf * ng);
    }

    /**
     * The share of failed cases caught when the {@code fraction} of cases with the lowest score are
     * flagged for review: k = ceil(fraction x n) cases are flagged (ties in score broken by case
     * order), and the result is (failures among them) / (all failures), the recall of a review budget.
     * NaN when no case failed.
     */
    public static double caught(double[] score, boolean[] failed, double fraction) {
        if (score.length != failed.length) {
            throw new BadInputException(score.length + " scores for " + failed.length + " labels", "pass one score per case");
        }
        if (!(fraction >= 0 && fraction <= 1)) throw new BadInputException("review fraction " + fraction + " is not in [0, 1]", "use e.g. 0.1");
        int n = score.length, failures = 0;
        for (boolean f : failed) if (f) failures++;
        if (failures == 0) return Double.NaN;
        Integer[] asc = Ranks.sortedOrder(score);
        int k = (int) Math.ceil(fraction * n - 1e-9), hit = 0;
        for (int i = 0; i < k; i++) if (failed[asc[i]]) hit++;
        return (double) hit / failures;
    }

    /**
     * Area under the risk-coverage curve: accept cases by descending score; risk(k) = mean loss of
     * the first k; AURC = mean over k = 1..n. Tied scores contribute their expected loss (see class
     * comment). NaN for no cases.
     */
    public static double aurc(double[] score, double[] loss) {
        if (score.length != loss.length) {
            throw new BadInputException(score.length + " scores for " + loss.length + " losses", "pass one score per case");
        }
        int n = score.length;
        if (n == 0) return Double.NaN;
        Integer[] asc = Ranks.sortedOrder(score);
        double accepted = 0, area = 0;
        int k = 0;
        for (int end = n - 1; end >= 0; ) {
            int start = end;
            while (start - 1 >= 0 && score[asc[start - 1]] == score[asc[end]]) start--;
            int m = end - start + 1;
            double blockLoss = 0;
            for (int i = start; i <= end; i++) blockLoss += loss[asc[i]];
            for (int j = 1; j <= m; j++) area += (accepted + blockLoss * j / m) / (k + j);
            accepted += blockLoss;
            k += m;
            end = start - 1;
        }
        return area / n;
    }
}
