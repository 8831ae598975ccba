package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * PyTorch's {@code ConvTranspose3d(in, out, kernel 3, stride s, padding 1, output_padding s-1)} for
 * s = 1 or 2, MONAI's up-sampling convolution, with the trainable weight in PyTorch's layout
 * {@code W[i][o][kz][ky][kx]} (in x out x 3 x 3 x 3) and a bias per output channel, so state dicts
 * map 1:1. DJL's PyTorch engine has no 3D deconvolution, so forward rebuilds it from ordinary ops.
 *
 * <p><b>Stride 2.</b> Per dimension a transposed convolution writes {@code x[i] * w[k]} to output
 * {@code j = 2i - 1 + k} (padding 1), for output length 2n (output padding 1). Hence
 * <pre>
 *   out[2m]   = x[m] w[1]                  (k = 1)
 *   out[2m+1] = x[m] w[2] + x[m+1] w[0]    (k = 2 and k = 0; x[n] = 0)
 * </pre>
 * which is, for sub-position {@code a} (0 even, 1 odd), a 2-tap stride-1 convolution
 * {@code out[2m+a] = sum_t x[m+t] K_a[t]} over the input padded by one zero at the far end, with
 * {@code K_0 = (w[1], 0)} and {@code K_1 = (w[2], w[0])}. In 3D the 8 sub-positions (a, b, c) become
 * 8 x out channels of one 2x2x2 convolution, followed by a 3D pixel shuffle that interleaves them:
 * {@code K[o*8 + a*4 + b*2 + c][i][t][u][v] = W[i][o][sel(a,t)][sel(b,u)][sel(c,v)]} with
 * {@code sel(0,0)=1, sel(1,0)=2, sel(1,1)=0} and {@code sel(0,1)} a zero tap. The kernel is built
 * inside forward as {@code W (in*out x 27) . S (27 x 64)} with a constant 0/1 selection matrix S, so
 * autograd carries gradients back to the MONAI-shaped W. The bias is added after the shuffle.
 *
 * <p><b>Stride 1.</b> {@code out[j] = sum_k x[j+1-k] w[k]}: an ordinary same-padded convolution with
 * the kernel flipped in every dimension and in/out swapped.
 */
public final class TransposedConv3d extends AbstractBlock {
    private static final Shape ONE = new Shape(1, 1, 1);
    private static final Shape ZERO = new Shape(0, 0, 0);
    /** Pads D, H and W by one zero at the far end (pairs from the last dim, as torch.nn.functional.pad). */
    private static final Shape FAR_END = new Shape(0, 1, 0, 1, 0, 1);
    private static final float[] SELECT = selection();

    private final int inChannels;
    private final int outChannels;
    private final int stride;
    private final Parameter weight;
    private final Parameter bias;

    public TransposedConv3d(int inChannels, int outChannels, int stride) {
        if (stride != 1 && stride != 2) throw new IllegalArgumentException("stride must be 1 or 2, got " + stride);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.stride = stride;
        long fanIn = 27L * outChannels; // as PyTorch counts it for ConvTranspose3d: weight.size(1) * kernel volume
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(inChannels, outChannels, 3, 3, 3))
                .optInitializer(new FanInUniformInitializer(fanIn)).build());
        bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(outChannels)).optInitializer(new FanInUniformInitializer(fanIn)).build());
    }

    Parameter weight() {
        return weight;
    }

    Parameter bias() {
        return bias;
    }

    /** S[k][p]: 1 where kernel tap k = kz*9 + ky*3 + kx feeds 2x2x2-kernel entry p = ((a*2+b)*2+c)*8 + (t*2+u)*2+v. */
    private static float[] selection() {
        int[][] sel = {{1, -1}, {2, 0}}; // sel[a][t]: the 3-tap index, -1 a zero tap
        float[] s = new float[27 * 64];
        for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) for (int c = 0; c < 2; c++)
            for (int t = 0; t < 2; t++) for (int u = 0; u < 2; u++) for (int v = 0; v < 2; v++) {
                int kz = sel[a][t], ky = sel[b][u], kx = sel[c][v];
                if (kz < 0 || ky < 0 || kx < 0) continue;
                s[(kz * 9 + ky * 3 + kx) * 64 + ((a * 2 + b) * 2 + c) * 8 + (t * 2 + u) * 2 + v] = 1;
            }
        return s;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDManager step = x.getManager();
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        if (stride == 1) {
            NDArray k = inStep(w.transpose(1, 0, 2, 3, 4), step).flip(2, 3, 4);
            return Conv3d.conv3d(x, k, b, ONE, ONE, ONE, 1);
        }
        Shape s = x.getShape();
        long n = s.get(0), d = s.get(2), h = s.get(3), wd = s.get(4);
        int in = inChannels, out = outChannels;
        NDArray select = EngineInput.of(step, SELECT, new Shape(27, 64));
        NDArray k = inStep(w.reshape(in * out, 27), step).matMul(select)
                .reshape(in, out, 2, 2, 2, 2, 2, 2)           // (i, o, a, b, c, t, u, v)
                .transpose(1, 2, 3, 4, 0, 5, 6, 7)            // (o, a, b, c, i, t, u, v)
                .reshape(8L * out, in, 2, 2, 2);
        NDArray y = Conv3d.conv3d(x.pad(FAR_END, 0), k, null, ONE, ZERO, ONE, 1).singletonOrThrow();
        // channel o*8 + a*4 + b*2 + c -> (o, a, b, c); interleave a, b, c after z, y, x
        y = y.reshape(n, out, 2, 2, 2, d, h, wd).transpose(0, 1, 5, 2, 6, 3, 7, 4)
                .reshape(n, out, 2 * d, 2 * h, 2 * wd);
        return new NDList(y.add(inStep(b.reshape(1, out, 1, 1, 1), step)));
    }

    /**
     * Moves an array derived from a parameter into the step's manager: ops on a parameter land in
     * the model's manager, which would keep them (and leak) until the model closes.
     */
    private static NDArray inStep(NDArray derived, NDManager step) {
        derived.attach(step);
        return derived;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), outChannels, stride * s.get(2), stride * s.get(3), stride * s.get(4))};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        ResidualUNet.checkChannels(inputShapes[0], inChannels, this);
    }

    @Override
    public String toString() {
        return "TransposedConv3d(" + inChannels + " -> " + outChannels + ", kernel 3, stride " + stride + ")";
    }
}
