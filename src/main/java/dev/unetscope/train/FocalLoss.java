package dev.unetscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Focal loss (Lin et al. 2017) on logits, {@code (1 - p_t)^gamma * BCE} with {@code p_t = p} where
 * the target is 1 and {@code 1 - p} where it is 0, mean over all voxels. {@code gamma = 2}; no alpha
 * class weighting by default (alpha would multiply foreground terms by alpha and background terms
 * by 1 - alpha); give one to the constructor to weight.
 */
public final class FocalLoss implements Objective {
    public static final double DEFAULT_GAMMA = 2.0;

    private final double gamma;
    private final Double alpha; // null: no class weighting

    public FocalLoss() {
        this(DEFAULT_GAMMA, null);
    }

    public FocalLoss(double gamma, Double alpha) {
        if (gamma < 0) throw new IllegalArgumentException("gamma must be >= 0, got " + gamma);
        if (alpha != null && !(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("alpha must be in [0,1], got " + alpha);
        this.gamma = gamma;
        this.alpha = alpha;
    }

    @Override
    public String name() {
        return "focal";
    }

    @Override
    public NDArray loss(NDArray logits, NDArray target) {
        Losses.checkShapes(logits, target);
        NDArray bce = Losses.bceElementwise(logits, target);
        NDArray p = Activation.sigmoid(logits);
        // 1 - p_t = p + t - 2 p t  (p where t = 0, 1 - p where t = 1)
        NDArray pt = p.mul(target);
        NDArray miss = p.add(target).sub(pt.mul(Losses.constant(pt, 2)));
        NDArray weight = gamma == 2.0 ? miss.square() : miss.pow(Losses.constant(miss, gamma));
        NDArray terms = bce.mul(weight);
        if (alpha != null) terms = terms.mul(target.mul(2 * alpha - 1).add(1 - alpha));
        return terms.mean();
    }
}
