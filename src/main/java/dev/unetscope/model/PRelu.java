package dev.unetscope.model;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

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
        if (!training && !JniUtils.isGradMode()) {
            // inference: the engine's leaky ReLU with the slope's value, one pass over x instead of four, the
            // same floats (x where x > 0, else x * a: the product the sum below makes, plus zeros;
            // PReluTest). With gradients on (training, the Jacobian) the sum below stays, whose backward
            // pass the scores were made with.
            return new NDList(JniUtils.leakyRelu((PtNDArray) x, a.getFloat()));
        }
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
