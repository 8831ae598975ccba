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
 * PyTorch's {@code nn.PReLU()} as MONAI uses it: {@code max(x,0) + a*min(x,0)} with ONE learnable
 * slope {@code a} for the whole layer (shape (1), starting at 0.25). Written out because DJL's
 * {@code Activation.preluBlock()} is not implemented on the PyTorch engine.
 */
public final class PRelu extends AbstractBlock {
    private final Parameter slope;

    public PRelu() {
        // shape (1) broadcasts against N x C x D x H x W, so forward needs no reshape (a reshape would
        // land in the model's manager, not the step's, and leak every step)
        slope = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(new ConstantInitializer(0.25f)).build());
    }

    /** The slope parameter (MONAI's {@code adn.A.weight}). */
    Parameter slope() {
        return slope;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray a = ps.getValue(slope, x.getDevice(), training);
        NDArray pos = Activation.relu(x);
        // min(x,0) = x - relu(x); x first so results belong to the input's manager
        return new NDList(x.sub(pos).mul(a).add(pos));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "PReLU(1)";
    }
}
