package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code conv(x) + residual(x)}, as MONAI's {@code ResidualUnit}: {@code conv} is a chain of
 * [3x3x3 conv, norm, (dropout), activation] sub-units, the first with the unit's stride (the last
 * conv-only when asked); {@code residual} is the identity when channels and stride are unchanged,
 * else a convolution: the full 3x3x3 kernel with that stride, or 1x1x1 when the stride is 1.
 */
public final class ResidualUnit extends AbstractBlock {
    private final Block convs;
    private final Block skip; // null: identity

    ResidualUnit(SequentialBlock convs, Block residual) {
        this.convs = addChildBlock("conv", convs);
        this.skip = residual == null ? null : addChildBlock("residual", residual);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = convs.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray r = skip == null ? x : skip.forward(ps, new NDList(x), training).singletonOrThrow();
        return new NDList(y.add(r));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return convs.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        convs.initialize(manager, dataType, inputShapes);
        if (skip != null) skip.initialize(manager, dataType, inputShapes);
    }
}
