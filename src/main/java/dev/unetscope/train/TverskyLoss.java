package dev.unetscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Tversky loss on sigmoid probabilities, per sample then averaged over the batch:
 * {@code 1 - (TP + smooth) / (TP + alpha FP + beta FN + smooth)} with soft {@code TP = sum(p t)},
 * {@code FP = sum(p (1 - t))}, {@code FN = sum((1 - p) t)}. Defaults {@code alpha = 0.3} on false
 * positives and {@code beta = 0.7} on false negatives (missing gland costs more than spill);
 * {@code smooth = 1e-5} as in {@link SoftDiceLoss}. With alpha = beta = 0.5 it is soft Dice.
 */
public final class TverskyLoss implements Objective {
    public static final double DEFAULT_ALPHA = 0.3;
    public static final double DEFAULT_BETA = 0.7;

    private final double alpha;
    private final double beta;

    public TverskyLoss() {
        this(DEFAULT_ALPHA, DEFAULT_BETA);
    }

    public TverskyLoss(double alpha, double beta) {
        this.alpha = alpha;
        this.beta = beta;
    }

    @Override
    public String name() {
        return "tversky";
    }

    @Override
    public NDArray loss(NDArray logits, NDArray target) {
        Losses.checkShapes(logits, target);
        int[] axes = Losses.sampleAxes(logits);
        NDArray p = Activation.sigmoid(logits);
        NDArray tp = p.mul(target).sum(axes);
        NDArray fp = p.sum(axes).sub(tp);
        NDArray fn = target.sum(axes).sub(tp);
        NDArray denom = tp.add(fp.mul(Losses.constant(fp, alpha))).add(fn.mul(Losses.constant(fn, beta))).add(SoftDiceLoss.SMOOTH);
        return tp.add(SoftDiceLoss.SMOOTH).div(denom).neg().add(1).mean();
    }
}
