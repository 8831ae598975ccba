package dev.unetscope.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.unetscope.io.BadInputException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The shape of a {@link ResidualUNet} (MONAI's {@code UNet} arguments): plain values with defaults, immutable.
 *
 * @param channels    feature channels per level, top to bottom (bottleneck), MONAI's {@code channels};
 *                    its length is the number of levels (at least 2)
 * @param strides     stride of each down layer (and of the up layer that mirrors it), MONAI's
 *                    {@code strides}: length {@code channels - 1}, each 1 or 2; null means all 2
 * @param resUnits    convolution sub-units per residual unit (MONAI's {@code num_res_units});
 *                    0 means a plain conv-norm-activation without a skip path
 * @param norm        normalisation after every 3x3x3 convolution
 * @param act         activation after every normalisation
 * @param dropout     dropout rate after every normalisation; 0 means no dropout layers
 * @param inChannels  image channels of the input (1 for T2w)
 */
@JsonIgnoreProperties({"up"}) // configs of the earlier topology name it: read them, then the hash check refuses their parameters
public record UNetConfig(int[] channels, int[] strides, int resUnits, Norm norm, Activation act,
                         double dropout, int inChannels) {

    /** Normalisation layer: INSTANCE is {@code nn.InstanceNorm3d} without affine parameters (MONAI's default). */
    public enum Norm { INSTANCE, BATCH }

    /** Activation layer; PRELU is {@code nn.PReLU()}: one learnable slope per layer, initialised to 0.25. */
    public enum Activation { PRELU, RELU }

    /** Bumped whenever the block topology changes, so old parameter files are refused. */
    static final String ARCHITECTURE = "MonaiUNet/2";

    public UNetConfig {
        if (channels == null || channels.length < 2) {
            throw new BadInputException("UNet config: channels needs at least 2 levels, got "
                    + (channels == null ? "none" : Arrays.toString(channels)), "give e.g. [8,16,32,64]");
        }
        channels = channels.clone();
        for (int c : channels) {
            if (c < 1) throw new BadInputException("UNet config: channels must be positive, got "
                    + Arrays.toString(channels), "give e.g. [8,16,32,64]");
        }
        if (strides == null) {
            strides = new int[channels.length - 1];
            Arrays.fill(strides, 2);
        }
        strides = strides.clone();
        if (strides.length != channels.length - 1 || Arrays.stream(strides).anyMatch(v -> v != 1 && v != 2)) {
            throw new BadInputException("UNet config: strides must be " + (channels.length - 1)
                    + " values of 1 or 2 (one per level below the top), got " + Arrays.toString(strides),
                    "give e.g. " + "2,".repeat(channels.length - 2) + "2");
        }
        if (resUnits < 0) throw new BadInputException("UNet config: resUnits must be >= 0, got " + resUnits, null);
        if (norm == null || act == null) {
            throw new BadInputException("UNet config: norm and act must be set", null);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new BadInputException("UNet config: dropout must be in [0, 1), got " + dropout, null);
        }
        if (inChannels < 1) throw new BadInputException("UNet config: inChannels must be >= 1, got " + inChannels, null);
    }

    /** Demo scale: channels 8-16-32-64, strides 2-2-2, 2 residual sub-units, instance norm, PReLU. */
    public static UNetConfig defaults() {
        return new UNetConfig(new int[] {8, 16, 32, 64}, null, 2, Norm.INSTANCE, Activation.PRELU, 0.0, 1);
    }

    /** The seed (paper) scale: channels 16-32-64-128-256, otherwise the defaults. */
    public static UNetConfig seedScale() {
        return defaults().withChannels(16, 32, 64, 128, 256);
    }

    @Override
    public int[] channels() {
        return channels.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    /** Number of levels, including the bottleneck. */
    public int levels() {
        return channels.length;
    }

    /** Channels at level {@code k}, 1-based (level 1 is full resolution). */
    public int channelsAt(int level) {
        return channels[level - 1];
    }

    /** Stride of level {@code k}'s output relative to the input: the product of the first k strides. */
    public int strideAt(int level) {
        int s = 1;
        for (int i = 0; i < level; i++) s *= strides[i];
        return s;
    }

    /** Input dims must divide by this (the product of the strides); {@link UNet#infer} pads others. */
    public int sizeMultiple() {
        return strideAt(strides.length);
    }

    /** New channels; the strides become all 2 unless their count still fits. */
    public UNetConfig withChannels(int... c) {
        return new UNetConfig(c, c.length - 1 == strides.length ? strides : null, resUnits, norm, act, dropout, inChannels);
    }

    public UNetConfig withStrides(int... s) {
        return new UNetConfig(channels, s, resUnits, norm, act, dropout, inChannels);
    }

    public UNetConfig withResUnits(int r) {
        return new UNetConfig(channels, strides, r, norm, act, dropout, inChannels);
    }

    public UNetConfig withNorm(Norm n) {
        return new UNetConfig(channels, strides, resUnits, n, act, dropout, inChannels);
    }

    public UNetConfig withAct(Activation a) {
        return new UNetConfig(channels, strides, resUnits, norm, a, dropout, inChannels);
    }

    public UNetConfig withDropout(double p) {
        return new UNetConfig(channels, strides, resUnits, norm, act, p, inChannels);
    }

    public UNetConfig withInChannels(int c) {
        return new UNetConfig(channels, strides, resUnits, norm, act, dropout, c);
    }

    /** One line that fixes every choice; the hash is taken of this. */
    public String canonical() {
        return ARCHITECTURE + " channels=" + Arrays.stream(channels).mapToObj(Integer::toString)
                .collect(Collectors.joining("-")) + " strides=" + Arrays.stream(strides)
                .mapToObj(Integer::toString).collect(Collectors.joining("-")) + " resUnits=" + resUnits
                + " norm=" + norm + " act=" + act + " dropout=" + String.format(Locale.ROOT, "%.6f", dropout)
                + " inChannels=" + inChannels;
    }

    /** First 12 hex digits of the SHA-256 of {@link #canonical()}: stable across runs and machines. */
    public String hash() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && Arrays.equals(channels, c.channels) && Arrays.equals(strides, c.strides)
                && resUnits == c.resUnits && norm == c.norm && act == c.act
                && Double.compare(dropout, c.dropout) == 0 && inChannels == c.inChannels;
    }

    @Override
    public int hashCode() {
        return canonical().hashCode();
    }

    @Override
    public String toString() {
        return canonical();
    }
}
