package dev.unetscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Shared pieces of the objectives. */
final class Losses {
    private Losses() {}

    static void checkShapes(NDArray logits, NDArray target) {
        if (!logits.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("logits " + logits.getShape() + " and target " + target.getShape()
                    + " differ in shape");
        }
        if (logits.getShape().dimension() < 2) {
            throw new IllegalArgumentException("expected N x 1 x D x H x W, got " + logits.getShape());
        }
    }

    /** All axes but the batch axis. */
    static int[] sampleAxes(NDArray a) {
        int[] axes = new int[a.getShape().dimension() - 1];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 1;
        return axes;
    }

    /**
     * The number {@code v} as an array of {@code like}'s manager (the step's), held there until the step closes. A product
     * with a number must go through it wherever autograd records the product: DJL's {@code mul(Number)} makes a scalar
     * array on a direct buffer, multiplies and closes it at once, but the engine's multiplication node keeps that
     * scalar for the backward pass, still on the buffer's memory; once the closed array is collected the buffer is
     * freed and the backward pass reads whatever took its place. With the serial collector's frequent young
     * collections that changed the focal run's gradients from step 95 of the demo on. Same type and value as
     * {@code mul(v)} creates, so the same numbers.
     */
    static NDArray constant(NDArray like, Number v) {
        return like.getManager().create(v);
    }

    /** {@code max(x,0) - x t + log(1 + exp(-|x|))} per voxel. */
    static NDArray bceElementwise(NDArray x, NDArray t) {
        return Activation.relu(x).sub(x.mul(t)).add(Activation.softPlus(x.abs().neg()));
    }
}
