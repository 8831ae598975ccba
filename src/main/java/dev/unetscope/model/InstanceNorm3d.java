package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Instance normalisation for N x C x D x H x W exactly as MONAI's default {@code nn.InstanceNorm3d(C)}:
 * each sample's each channel is shifted to mean 0 and scaled to variance 1 over its voxels (biased
 * variance, eps 1e-5), with no affine parameters and no running statistics, so training and
 * inference compute the same thing. DJL has no instance norm block.
 */
public final class InstanceNorm3d extends AbstractBlock {
    static final float EPS = 1e-5f;
    private static final int[] VOXELS = {2};

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        // the PyTorch engine's mean takes one axis only: flatten the voxels into one
        NDArray flat = x.reshape(s.get(0), s.get(1), -1);
        NDArray centred = flat.sub(flat.mean(VOXELS, true));
        NDArray var = centred.square().mean(VOXELS, true);
        return new NDList(centred.div(var.add(EPS).sqrt()).reshape(s));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "InstanceNorm3d";
    }
}
