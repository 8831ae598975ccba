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

    /** {@code max(x,0) - x t + log(1 + exp(-|x|))} per voxel. */
    static NDArray bceElementwise(NDArray x, NDArray t) {
        return Activation.relu(x).sub(x.mul(t)).add(Activation.softPlus(x.abs().neg()));
    }
}
