package dev.unetscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Soft Dice on sigmoid probabilities, per sample then averaged over the batch:
 * {@code 1 - (2 sum(p t) + smooth) / (sum(p) + sum(t) + smooth)}. {@code smooth = 1e-5} in numerator
 * and denominator, as MONAI's {@code DiceLoss} defaults ({@code smooth_nr = smooth_dr = 1e-5}): an
 * empty target with an empty prediction scores loss 0, not NaN.
 */
public final class SoftDiceLoss implements Objective {
    public static final double SMOOTH = 1e-5;

    @Override
    public String name() {
        return "dice";
    }

    @Override
    public NDArray loss(NDArray logits, NDArray target) {
        Losses.checkShapes(logits, target);
        int[] axes = Losses.sampleAxes(logits);
        NDArray p = Activation.sigmoid(logits);
        NDArray inter = p.mul(target).sum(axes);
        NDArray denom = p.sum(axes).add(target.sum(axes)).add(SMOOTH);
        return inter.mul(Losses.constant(inter, 2)).add(SMOOTH).div(denom).neg().add(1).mean();
    }
}
