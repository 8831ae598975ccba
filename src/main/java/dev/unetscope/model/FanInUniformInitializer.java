package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * PyTorch's default convolution weight initialisation (kaiming-uniform with a = sqrt 5), i.e.
 * uniform in +-1/sqrt(fan_in), so the network starts like MONAI's. DJL's default (He normal) starts
 * with logits several units large. {@code fanIn} 0 takes it from the weight shape
 * ({@code shape[1] * kernel volume}); biases and the transposed convolution pass the fan-in
 * PyTorch uses for their layer (so biases start uniform in +-1/sqrt(fan_in) too).
 */
public final class FanInUniformInitializer implements Initializer {
    private final long fanIn;

    public FanInUniformInitializer() {
        this(0);
    }

    public FanInUniformInitializer(long fanIn) {
        this.fanIn = fanIn;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        long fan = fanIn > 0 ? fanIn : shape.size() / shape.get(0);
        float bound = (float) (1 / Math.sqrt(fan));
        return manager.randomUniform(-bound, bound, shape, dataType);
    }
}
