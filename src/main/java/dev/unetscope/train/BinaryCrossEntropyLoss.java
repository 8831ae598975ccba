package dev.unetscope.train;

import ai.djl.ndarray.NDArray;

/**
 * Binary cross-entropy on logits, mean over all voxels of all samples (equal-size samples, so this
 * is also the mean of per-sample means). Written in the stable form
 * {@code max(x,0) - x t + log(1 + exp(-|x|))}, which never exponentiates a large positive number.
 */
public final class BinaryCrossEntropyLoss implements Objective {
    @Override
    public String name() {
        return "bce";
    }

    @Override
    public NDArray loss(NDArray logits, NDArray target) {
        Losses.checkShapes(logits, target);
        return Losses.bceElementwise(logits, target).mean();
    }
}
