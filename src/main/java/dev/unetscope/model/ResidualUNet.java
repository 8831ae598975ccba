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
import java.util.List;
import java.util.Map;

/**
 * A 3D residual UNet in the style of MONAI's {@code UNet} with {@code num_res_units}, as DJL blocks,
 * built from three small factories: {@link #downLayer}, {@link #bottomLayer}, {@link #upLayer}.
 *
 * <p>With {@code L = channels.length} levels, level {@code k} (1-based) works at stride
 * {@code 2^(k-1)} relative to the input:
 * <pre>
 *   enc1 = unit(x, stride 1)           C1   stride 1
 *   enc2 = unit(enc1, stride 2)        C2   stride 2
 *   ...
 *   bottleneck = unit(enc(L-1), 2)     CL   stride 2^(L-1)
 *   dec(L-1) = unit(concat(up(bottleneck), enc(L-1)))   C(L-1)
 *   ...
 *   dec1 = unit(concat(up(dec2), enc1))                 C1   stride 1
 *   logits = conv1x1x1(dec1) -> 1 channel
 * </pre>
 * where {@code unit} is a {@link ResidualUnit} and {@code up} is {@link PixelShuffleUpsample}
 * (exact kernel-2 stride-2 transposed convolution) or {@link NearestConvUpsample}, both to the
 * channels of the level they land on. Layout is N x C x D x H x W (D = z slices, H = y, W = x).
 * Spatial dims must divide by {@code 2^(L-1)}; {@link UNet#infer} pads other sizes.
 *
 * <h2>Named taps</h2>
 * The feature stage reads interior feature maps by name, in network order:
 * {@code enc1 .. enc(L-1), bottleneck, dec(L-1) .. dec1}; for 4 levels
 * {@code enc1 enc2 enc3 bottleneck dec3 dec2 dec1} with strides {@code 1 2 4 8 4 2 1}. A tap is the
 * output of that level's residual unit (after the residual sum). {@code enc k} and {@code dec k} have
 * {@code channels[k-1]} channels and stride {@code 2^(k-1)}; the bottleneck has {@code channels[L-1]}
 * and stride {@code 2^(L-1)}. See {@link #tapNames()}, {@link #taps()}, {@link #forwardTaps}.
 */
public final class ResidualUNet extends AbstractBlock {

    /** A named interior feature map: its channel count and its stride relative to the input. */
    public record Tap(String name, int channels, int stride) {}

    private final UNetConfig config;
    private final List<Block> encoders = new ArrayList<>(); // enc1 .. enc(L-1), then the bottleneck
    private final List<Block> ups = new ArrayList<>();      // index k-1: upsampling onto level k
    private final List<Block> decoders = new ArrayList<>(); // index k-1: dec k
    private final Block head;
    private final List<Tap> taps;

    public ResidualUNet(UNetConfig config) {
        this.config = config;
        int levels = config.levels();
        int in = config.inChannels();
        for (int k = 1; k < levels; k++) {
            encoders.add(addChildBlock("enc" + k, downLayer(in, config.channelsAt(k), k == 1 ? 1 : 2)));
            in = config.channelsAt(k);
        }
        encoders.add(addChildBlock("bottleneck", bottomLayer(in, config.channelsAt(levels))));
        ups.addAll(Collections.nCopies(levels - 1, null));
        decoders.addAll(Collections.nCopies(levels - 1, null));
        for (int k = levels - 1; k >= 1; k--) {
            int c = config.channelsAt(k);
            ups.set(k - 1, addChildBlock("up" + k, upLayer(config.channelsAt(k + 1), c)));
            decoders.set(k - 1, addChildBlock("dec" + k, residualUnit(2 * c, c, 1)));
        }
        head = addChildBlock("head", conv(1, 1, 1, false));
        taps = List.copyOf(tapsOf(config));
    }

    /** Encoder level: a residual unit, stride 1 at the top level and 2 below it. */
    private Block downLayer(int in, int out, int stride) {
        return residualUnit(in, out, stride);
    }

    /** Bottleneck: a residual unit at the coarsest level. */
    private Block bottomLayer(int in, int out) {
        return residualUnit(in, out, 2);
    }

    /** Decoder upsampling from {@code in} channels at level k+1 to {@code out} channels at level k. */
    private Block upLayer(int in, int out) {
        return switch (config.up()) {
            case SHUFFLE -> new PixelShuffleUpsample(in, out);
            case NEAREST_CONV -> new NearestConvUpsample(out);
        };
    }

    private Block residualUnit(int in, int out, int stride) {
        SequentialBlock convs = new SequentialBlock();
        int units = Math.max(1, config.resUnits());
        for (int u = 0; u < units; u++) {
            convs.add(conv(out, 3, u == 0 ? stride : 1, true));
            convs.add(switch (config.norm()) {
                case INSTANCE -> new InstanceNorm3d(out);
                case BATCH -> BatchNorm.builder().optAxis(1).build();
            });
            if (config.dropout() > 0) convs.add(Dropout.builder().optRate((float) config.dropout()).build());
            convs.add(switch (config.act()) {
                case PRELU -> new ChannelPRelu(out);
                case RELU -> ai.djl.nn.Activation.reluBlock();
            });
        }
        if (config.resUnits() == 0) return convs; // MONAI: plain convolution, no skip path
        Block projection = (in == out && stride == 1) ? null : conv(out, 1, stride, false);
        return new ResidualUnit(convs, projection);
    }

    /** A 3D convolution with PyTorch's default weight initialisation and zero bias. */
    static Block conv(int filters, int kernel, int stride, boolean pad) {
        int p = pad ? kernel / 2 : 0;
        Block c = Conv3d.builder().setKernelShape(new Shape(kernel, kernel, kernel)).setFilters(filters)
                .optStride(new Shape(stride, stride, stride)).optPadding(new Shape(p, p, p)).build();
        c.setInitializer(new FanInUniformInitializer(), Parameter.Type.WEIGHT);
        return c;
    }

    static List<Tap> tapsOf(UNetConfig config) {
        int levels = config.levels();
        List<Tap> list = new ArrayList<>();
        for (int k = 1; k < levels; k++) list.add(new Tap("enc" + k, config.channelsAt(k), 1 << (k - 1)));
        list.add(new Tap("bottleneck", config.channelsAt(levels), 1 << (levels - 1)));
        for (int k = levels - 1; k >= 1; k--) list.add(new Tap("dec" + k, config.channelsAt(k), 1 << (k - 1)));
        return list;
    }

    public UNetConfig config() {
        return config;
    }

    /** Tap names in network order: enc1 .. enc(L-1), bottleneck, dec(L-1) .. dec1. */
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

    /**
     * One forward pass returning the logits (N x 1 x D x H x W) and, in {@code tapsOut} when it is
     * not null, every named tap in network order. The arrays belong to {@code x}'s manager.
     */
    public NDArray forwardTaps(ParameterStore ps, NDArray x, boolean training, Map<String, NDArray> tapsOut) {
        int levels = config.levels();
        NDArray[] skips = new NDArray[levels - 1];
        NDArray h = x;
        for (int k = 1; k <= levels; k++) {
            h = encoders.get(k - 1).forward(ps, new NDList(h), training).singletonOrThrow();
            if (k < levels) skips[k - 1] = h;
            if (tapsOut != null) tapsOut.put(k < levels ? "enc" + k : "bottleneck", h);
        }
        for (int k = levels - 1; k >= 1; k--) {
            NDArray u = ups.get(k - 1).forward(ps, new NDList(h), training).singletonOrThrow();
            NDArray cat = u.concat(skips[k - 1], 1);
            h = decoders.get(k - 1).forward(ps, new NDList(cat), training).singletonOrThrow();
            if (tapsOut != null) tapsOut.put("dec" + k, h);
        }
        return head.forward(ps, new NDList(h), training).singletonOrThrow();
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
        for (int k = 1; k <= levels; k++) {
            s = init(encoders.get(k - 1), manager, dataType, s);
            if (k < levels) skipShapes[k - 1] = s;
        }
        for (int k = levels - 1; k >= 1; k--) {
            Shape u = init(ups.get(k - 1), manager, dataType, s);
            Shape cat = new Shape(u.get(0), u.get(1) + skipShapes[k - 1].get(1), u.get(2), u.get(3), u.get(4));
            s = init(decoders.get(k - 1), manager, dataType, cat);
        }
        init(head, manager, dataType, s);
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
