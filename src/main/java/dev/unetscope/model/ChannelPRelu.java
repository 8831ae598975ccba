package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * PReLU with one learnable slope per channel, {@code max(x,0) + a*min(x,0)}, {@code a} starting at
 * 0.25 as in PyTorch. Written out because DJL's {@code Activation.preluBlock()} is not implemented
 * on the PyTorch engine.
 */
public final class ChannelPRelu extends AbstractBlock {
    private final int channels;
    private final Parameter alpha;

    public ChannelPRelu(int channels) {
        this.channels = channels;
        // shaped 1 x C x 1 x 1 x 1 so forward needs no reshape (a reshape would land in the model's
        // manager, not the step's, and leak every step)
        alpha = addParameter(Parameter.builder().setName("alpha").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, channels, 1, 1, 1)).optInitializer(new ConstantInitializer(0.25f))
                .build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray a = ps.getValue(alpha, x.getDevice(), training);
        NDArray pos = Activation.relu(x);
        // min(x,0) = x - relu(x); x first so results belong to the input's manager
        return new NDList(x.sub(pos).mul(a).add(pos));
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
        return "PReLU(" + channels + ")";
    }
}
