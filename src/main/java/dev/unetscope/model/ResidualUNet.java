package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MONAI's {@code UNet(spatial_dims=3, in_channels, out_channels=1, channels, strides, kernel_size=3,
 * up_kernel_size=3, num_res_units, act, norm, dropout)} (monai/networks/nets/unet.py, v1.x) as DJL
 * blocks, built from MONAI's three factories {@link #downLayer}, {@link #bottomLayer}, {@link #upLayer}
 * with its {@code Convolution} ({@link #convolution}) and {@code ResidualUnit} ({@link #residualUnit}).
 *
 * <p>MONAI builds it recursively: level k is {@code Sequential(down_k, SkipConnection(level k+1),
 * up_k)}, the deepest level's inner block being the bottom layer, and {@code SkipConnection}
 * concatenates {@code [x, inner(x)]}, x first. Unrolled, with {@code L = channels.length},
 * {@code C_k = channels[k-1]}, {@code s_k = strides[k-1]}:
 * <pre>
 *   enc1 = down_1(x)             in -> C1, stride s1     (a residual unit; the first sub-unit strides)
 *   enc k = down_k(enc(k-1))     C(k-1) -> Ck, stride sk, for k = 2 .. L-1
 *   bottleneck = bottom(enc(L-1))  C(L-1) -> CL, stride 1
 *   dec(L-1) = up_(L-1)(cat(enc(L-1), bottleneck))   C(L-1)+CL -> C(L-2)
 *   dec k = up_k(cat(enc k, dec(k+1)))               2 Ck -> C(k-1), for k = L-2 .. 2
 *   logits = up_1(cat(enc1, dec2))                   2 C1 -> 1
 * </pre>
 * where {@code up_k} = transposed convolution (kernel 3, stride s_k, output padding s_k-1; with
 * norm/dropout/activation) followed by a one-sub-unit residual unit; the top one's last convolution
 * is conv-only (MONAI's {@code last_conv_only}), so there is no separate head. With
 * {@code num_res_units = 0} the down/bottom layers are single convolutions and up layers only the
 * transposed convolution (conv-only at the top). Norm-dropout-activation order ("NDA"), conv bias on.
 * Layout is N x C x D x H x W (D = z slices, H = y, W = x); dims must divide by the product of the
 * strides ({@link UNet#infer} pads other sizes).
 *
 * <h2>Named taps</h2>
 * In network order {@code enc1 .. enc(L-1), bottleneck, dec(L-1) .. dec2}; for the demo config
 * (8-16-32-64, strides 2) {@code enc1 enc2 enc3 bottleneck dec3 dec2} with strides
 * {@code 2 4 8 8 4 2}. {@code enc k} is the output of down layer k ({@code C_k} channels, stride
 * {@code s_1 * .. * s_k}); the bottleneck that of the bottom layer ({@code C_L}, same stride as
 * enc(L-1)); {@code dec k} that of up layer k (its residual unit; {@code C_(k-1)} channels, stride
 * {@code s_1 * .. * s_(k-1)}, the resolution of enc(k-1)). The top up layer is not a tap: its output is
 * the 1-channel logits, a degenerate feature layer. No tap is at full resolution: MONAI's first
 * down layer already strides.
 *
 * <h2>MONAI names</h2>
 * Every parameter is registered under its MONAI state-dict name as the blocks are built
 * ({@link #monaiTensors()}, in MONAI's state-dict order), the one place where the two namings meet.
 */
public final class ResidualUNet extends AbstractBlock {

    /** A named interior feature map: its channel count and its stride relative to the input. */
    public record Tap(String name, int channels, int stride) {}

    /**
     * One entry of MONAI's state dict: its name, its shape there, and our parameter holding it; the
     * parameter is null for batch norm's {@code num_batches_tracked}, a counter DJL does not keep.
     */
    public record MonaiTensor(String name, Shape shape, Parameter parameter) {}

    private final UNetConfig config;
    private final Block[] downs; // index k-1: down layer of level k
    private final Block bottom;
    private final Block[] ups;   // index k-1: up layer of level k
    private final List<Tap> taps;
    private final Map<String, MonaiTensor> monai = new LinkedHashMap<>();

    public ResidualUNet(UNetConfig config) {
        this.config = config;
        int levels = config.levels();
        int[] c = config.channels(), s = config.strides();
        downs = new Block[levels - 1];
        ups = new Block[levels - 1];
        // registered in MONAI's state-dict order: downs top to bottom, the bottom layer, ups bottom to top
        int in = config.inChannels();
        for (int k = 1; k < levels; k++) {
            downs[k - 1] = addChildBlock("down" + k, downLayer(prefix(k) + ".0", in, c[k - 1], s[k - 1]));
            in = c[k - 1];
        }
        bottom = addChildBlock("bottom", bottomLayer(prefix(levels), c[levels - 2], c[levels - 1]));
        for (int k = levels - 1; k >= 1; k--) {
            int upIn = c[k - 1] + (k == levels - 1 ? c[levels - 1] : c[k - 1]);
            int upOut = k == 1 ? 1 : c[k - 2];
            ups[k - 1] = addChildBlock("up" + k, upLayer(prefix(k) + ".2", upIn, upOut, s[k - 1], k == 1));
        }
        taps = List.copyOf(tapsOf(config));
    }

    /** MONAI's module path of level k's Sequential: "model", then ".1.submodule" once per level down. */
    static String prefix(int level) {
        return "model" + ".1.submodule".repeat(level - 1);
    }

    /** MONAI's {@code _get_down_layer}: a residual unit, or one convolution without residual units. */
    private Block downLayer(String name, int in, int out, int stride) {
        if (config.resUnits() > 0) return residualUnit(name, in, out, stride, config.resUnits(), false);
        return convolution(name, in, out, stride, false, false);
    }

    /** MONAI's {@code _get_bottom_layer}: a down layer with stride 1. */
    private Block bottomLayer(String name, int in, int out) {
        return downLayer(name, in, out, 1);
    }

    /**
     * MONAI's {@code _get_up_layer}: a transposed convolution (with norm/activation, except at the top
     * without residual units), then a one-sub-unit residual unit whose last convolution is conv-only
     * at the top.
     */
    private Block upLayer(String name, int in, int out, int stride, boolean isTop) {
        boolean res = config.resUnits() > 0;
        Block conv = convolution(res ? name + ".0" : name, in, out, stride, true, isTop && !res);
        if (!res) return conv;
        return new SequentialBlock().add(conv).add(residualUnit(name + ".1", out, out, 1, 1, isTop));
    }

    /** MONAI's {@code ResidualUnit}: sub-units {@code conv.unit0..}, then {@code residual} when shapes change. */
    private Block residualUnit(String name, int in, int out, int stride, int subunits, boolean lastConvOnly) {
        SequentialBlock convs = new SequentialBlock();
        int units = Math.max(1, subunits);
        for (int u = 0; u < units; u++) {
            convs.add(convolution(name + ".conv.unit" + u, u == 0 ? in : out, out, u == 0 ? stride : 1, false,
                    lastConvOnly && u == units - 1));
        }
        if (stride == 1 && in == out) return new ResidualUnit(convs, null);
        int kernel = stride != 1 ? 3 : 1; // MONAI: the full kernel when striding, 1x1x1 when only channels change
        return new ResidualUnit(convs, conv(name + ".residual", in, out, kernel, stride));
    }

    /**
     * MONAI's {@code Convolution}: a 3x3x3 convolution (or transposed convolution) with bias, then,
     * unless {@code convOnly}, {@code adn} = norm ({@code N}), dropout ({@code D}), activation ({@code A}).
     */
    private Block convolution(String name, int in, int out, int stride, boolean transposed, boolean convOnly) {
        SequentialBlock seq = new SequentialBlock();
        if (transposed) {
            TransposedConv3d t = new TransposedConv3d(in, out, stride);
            register(name + ".conv.weight", t.weight(), in, out, 3, 3, 3);
            register(name + ".conv.bias", t.bias(), out);
            seq.add(t);
        } else {
            seq.add(conv(name + ".conv", in, out, 3, stride));
        }
        if (convOnly) return seq;
        switch (config.norm()) {
            case INSTANCE -> seq.add(new InstanceNorm3d());
            case BATCH -> {
                BatchNorm bn = BatchNorm.builder().optAxis(1).build();
                PairList<String, Parameter> p = bn.getParameters();
                register(name + ".adn.N.weight", p.get("gamma"), out);
                register(name + ".adn.N.bias", p.get("beta"), out);
                register(name + ".adn.N.running_mean", p.get("runningMean"), out);
                register(name + ".adn.N.running_var", p.get("runningVar"), out);
                register(name + ".adn.N.num_batches_tracked", null);
                seq.add(bn);
            }
        }
        if (config.dropout() > 0) seq.add(Dropout.builder().optRate((float) config.dropout()).build());
        switch (config.act()) {
            case PRELU -> {
                PRelu a = new PRelu();
                register(name + ".adn.A.weight", a.slope(), 1);
                seq.add(a);
            }
            case RELU -> seq.add(ai.djl.nn.Activation.reluBlock());
        }
        return seq;
    }

    /** A same-padded 3D convolution with bias and PyTorch's default initialisation, registered as {@code name}. */
    private Block conv(String name, int in, int out, int kernel, int stride) {
        int p = kernel / 2;
        Block c = Conv3d.builder().setKernelShape(new Shape(kernel, kernel, kernel)).setFilters(out)
                .optStride(new Shape(stride, stride, stride)).optPadding(new Shape(p, p, p)).build();
        long fanIn = (long) in * kernel * kernel * kernel;
        c.setInitializer(new FanInUniformInitializer(fanIn), Parameter.Type.WEIGHT);
        c.setInitializer(new FanInUniformInitializer(fanIn), Parameter.Type.BIAS);
        register(name + ".weight", c.getParameters().get("weight"), out, in, kernel, kernel, kernel);
        register(name + ".bias", c.getParameters().get("bias"), out);
        return c;
    }

    private void register(String name, Parameter p, long... shape) {
        monai.put(name, new MonaiTensor(name, new Shape(shape), p));
    }

    static List<Tap> tapsOf(UNetConfig config) {
        int levels = config.levels();
        List<Tap> list = new ArrayList<>();
        for (int k = 1; k < levels; k++) list.add(new Tap("enc" + k, config.channelsAt(k), config.strideAt(k)));
        list.add(new Tap("bottleneck", config.channelsAt(levels), config.strideAt(levels - 1)));
        for (int k = levels - 1; k >= 2; k--) list.add(new Tap("dec" + k, config.channelsAt(k - 1), config.strideAt(k - 1)));
        return list;
    }

    public UNetConfig config() {
        return config;
    }

    /** Tap names in network order: enc1 .. enc(L-1), bottleneck, dec(L-1) .. dec2. */
    public List<String> tapNames() {
        return taps.stream().map(Tap::name).toList();
    }

    /** Taps in network order with channels and stride. */
    public List<Tap> taps() {
        return taps;
    }

    /** The tap of that name, or null. */
    public Tap tap(String name) {
        for (Tap t : taps) if (t.name().equals(name)) return t;
        return null;
    }

    /** MONAI's state dict of this config, in its order, each entry with the parameter that holds it. */
    public Map<String, MonaiTensor> monaiTensors() {
        return Collections.unmodifiableMap(monai);
    }

    /**
     * One forward pass returning the logits (N x 1 x D x H x W) and, in {@code tapsOut} when it is
     * not null, every named tap in network order. The arrays belong to {@code x}'s manager.
     */
    public NDArray forwardTaps(ParameterStore ps, NDArray x, boolean training, Map<String, NDArray> tapsOut) {
        int levels = config.levels();
        NDArray[] skips = new NDArray[levels - 1];
        NDArray h = x;
        for (int k = 1; k < levels; k++) {
            h = run(downs[k - 1], ps, h, training);
            skips[k - 1] = h;
            if (tapsOut != null) tapsOut.put("enc" + k, h);
        }
        h = run(bottom, ps, h, training);
        if (tapsOut != null) tapsOut.put("bottleneck", h);
        for (int k = levels - 1; k >= 1; k--) {
            h = run(ups[k - 1], ps, skips[k - 1].concat(h, 1), training); // SkipConnection: cat([x, inner(x)])
            if (tapsOut != null && k >= 2) tapsOut.put("dec" + k, h);
        }
        return h;
    }

    private static NDArray run(Block b, ParameterStore ps, NDArray x, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forwardTaps(ps, inputs.singletonOrThrow(), training, null));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), 1, s.get(2), s.get(3), s.get(4))};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        checkChannels(inputShapes[0], config.inChannels(), this);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        int levels = config.levels();
        Shape[] skipShapes = new Shape[levels - 1];
        Shape s = inputShapes[0];
        for (int k = 1; k < levels; k++) {
            s = init(downs[k - 1], manager, dataType, s);
            skipShapes[k - 1] = s;
        }
        s = init(bottom, manager, dataType, s);
        for (int k = levels - 1; k >= 1; k--) {
            Shape e = skipShapes[k - 1];
            s = init(ups[k - 1], manager, dataType, new Shape(e.get(0), e.get(1) + s.get(1), e.get(2), e.get(3), e.get(4)));
        }
    }

    private static Shape init(Block b, NDManager manager, DataType dataType, Shape in) {
        b.initialize(manager, dataType, in);
        return b.getOutputShapes(new Shape[] {in})[0];
    }

    static void checkChannels(Shape s, long channels, Object who) {
        if (s.dimension() != 5 || s.get(1) != channels) {
            throw new IllegalArgumentException(who + " expects N x " + channels + " x D x H x W, got " + s);
        }
    }
}
