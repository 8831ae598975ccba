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
 * {@code convs(x) + skip(x)}, as MONAI's {@code ResidualUnit}: {@code convs} is a chain of
 * [3x3x3 conv, norm, (dropout), activation] sub-units, the first with the unit's stride; {@code skip}
 * is the identity when channels and stride are unchanged, else a 1x1x1 convolution with that stride.
 */
public final class ResidualUnit extends AbstractBlock {
    private final Block convs;
    private final Block skip; // null: identity

    ResidualUnit(SequentialBlock convs, Block projection) {
        this.convs = addChildBlock("convs", convs);
        this.skip = projection == null ? null : addChildBlock("skip", projection);
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
