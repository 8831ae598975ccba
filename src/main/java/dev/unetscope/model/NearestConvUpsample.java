package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Nearest-neighbour doubling of D, H and W followed by a 3x3x3 convolution (C_in -> C_out).
 * Nearest goes through the engine's {@code interpolation(size, mode 0 = nearest, ...)}; DJL's
 * trilinear mode fails on this engine (it forces antialiasing).
 */
public final class NearestConvUpsample extends AbstractBlock {
    private static final int NEAREST = 0;

    private final Block conv;

    public NearestConvUpsample(int outChannels) {
        conv = addChildBlock("conv", ResidualUNet.conv(outChannels, 3, 1, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        NDArray up = x.getNDArrayInternal().interpolation(
                new long[] {2 * s.get(2), 2 * s.get(3), 2 * s.get(4)}, NEAREST, false);
        return conv.forward(ps, new NDList(up), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv.getOutputShapes(new Shape[] {doubled(inputShapes[0])});
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, doubled(inputShapes[0]));
    }

    private static Shape doubled(Shape s) {
        return new Shape(s.get(0), s.get(1), 2 * s.get(2), 2 * s.get(3), 2 * s.get(4));
    }
}
