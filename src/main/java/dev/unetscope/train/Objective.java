package dev.unetscope.train;

import ai.djl.ndarray.NDArray;

/**
 * A segmentation training objective. {@code logits} and {@code target} are N x 1 x D x H x W
 * floats, target 0/1; the result is a scalar, the mean over the batch, differentiable in the logits.
 */
public interface Objective {
    /** The short name used on the command line and in folder names. */
    String name();

    NDArray loss(NDArray logits, NDArray target);
}
