package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Instance normalisation for N x C x D x H x W: each sample's each channel is shifted to mean 0
 * and scaled to variance 1 over its voxels (biased variance, eps 1e-5, like
 * {@code torch.nn.InstanceNorm3d}), then scaled and shifted by a learnable per-channel
 * {@code gamma} (1) and {@code beta} (0). DJL has no instance norm block. Training and inference
 * compute the same thing (no running statistics).
 */
public final class InstanceNorm3d extends AbstractBlock {
    static final float EPS = 1e-5f;
    private static final int[] VOXELS = {2};

    private final int channels;
    private final Parameter gamma;
    private final Parameter beta;

    public InstanceNorm3d(int channels) {
        this.channels = channels;
        Shape s = new Shape(1, channels, 1, 1, 1);
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA).optShape(s).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA).optShape(s).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray g = ps.getValue(gamma, x.getDevice(), training);
        NDArray b = ps.getValue(beta, x.getDevice(), training);
        Shape s = x.getShape();
        // the PyTorch engine's mean takes one axis only: flatten the voxels into one
        NDArray flat = x.reshape(s.get(0), s.get(1), -1);
        NDArray centred = flat.sub(flat.mean(VOXELS, true));
        NDArray var = centred.square().mean(VOXELS, true);
        return new NDList(centred.div(var.add(EPS).sqrt()).reshape(s).mul(g).add(b));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        ResidualUNet.checkChannels(inputShapes[0], channels, this);
    }

    @Override
    public String toString() {
        return "InstanceNorm3d(" + channels + ")";
    }
}
