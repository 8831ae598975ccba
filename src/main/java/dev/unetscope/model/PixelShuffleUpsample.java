package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A kernel-2 stride-2 transposed convolution (C_in -> C_out, doubling D, H and W), written as a
 * 1x1x1 convolution to 8 C_out channels followed by a 3D pixel shuffle, because the PyTorch engine
 * of DJL has no 3D deconvolution.
 *
 * <p>With the transposed-convolution weight {@code W[i][o][a][b][c]} (PyTorch's
 * {@code ConvTranspose3d} layout) the 1x1x1 weight is {@code K[o*8 + a*4 + b*2 + c][i][0][0][0]}, and
 * {@code out[n][o][2z+a][2y+b][2x+c] = bias[o] + sum_i in[n][i][z][y][x] * W[i][o][a][b][c]}. The bias
 * is one per output channel (added after the shuffle), so the map is exactly a transposed
 * convolution, not a more general one.
 */
public final class PixelShuffleUpsample extends AbstractBlock {
    private static final Shape ONE = new Shape(1, 1, 1);
    private static final Shape ZERO = new Shape(0, 0, 0);

    private final int inChannels;
    private final int outChannels;
    private final Parameter weight;
    private final Parameter bias;

    public PixelShuffleUpsample(int inChannels, int outChannels) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(8L * outChannels, inChannels, 1, 1, 1))
                // fan-in of the ConvTranspose3d(C_in, C_out, 2, stride 2) this stands for, as PyTorch counts it
                .optInitializer(new FanInUniformInitializer(8L * outChannels)).build());
        bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(1, outChannels, 1, 1, 1)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray k = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        Shape s = x.getShape();
        long n = s.get(0), d = s.get(2), h = s.get(3), w = s.get(4);
        NDArray y = Conv3d.conv3d(x, k, null, ONE, ZERO, ONE, 1).singletonOrThrow();
        // channel o*8 + a*4 + b*2 + c -> (o, a, b, c); interleave a, b, c after z, y, x
        y = y.reshape(n, outChannels, 2, 2, 2, d, h, w).transpose(0, 1, 5, 2, 6, 3, 7, 4)
                .reshape(n, outChannels, 2 * d, 2 * h, 2 * w);
        return new NDList(y.add(b));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), outChannels, 2 * s.get(2), 2 * s.get(3), 2 * s.get(4))};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        ResidualUNet.checkChannels(inputShapes[0], inChannels, this);
    }

    @Override
    public String toString() {
        return "PixelShuffleUpsample(" + inChannels + " -> " + outChannels + ")";
    }
}
