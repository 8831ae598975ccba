package dev.unetscope.model;

import dev.unetscope.io.BadInputException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The shape of a {@link ResidualUNet}: plain values with defaults, immutable.
 *
 * @param channels    feature channels per level, top (full resolution) to bottom (bottleneck);
 *                    its length is the number of levels (at least 2)
 * @param resUnits    convolution sub-units per residual unit (MONAI's {@code num_res_units});
 *                    0 means a plain conv-norm-activation without a skip path
 * @param norm        normalisation after every 3x3x3 convolution
 * @param act         activation after every normalisation
 * @param up          how the decoder doubles the resolution
 * @param dropout     dropout rate after every normalisation; 0 means no dropout layers
 * @param inChannels  image channels of the input (1 for T2w)
 */
public record UNetConfig(int[] channels, int resUnits, Norm norm, Activation act, Upsample up,
                         double dropout, int inChannels) {

    /** Normalisation layer. */
    public enum Norm { INSTANCE, BATCH }

    /** Activation layer; PRELU has one learnable slope per channel, initialised to 0.25. */
    public enum Activation { PRELU, RELU }

    /**
     * Decoder upsampling. SHUFFLE is exactly a kernel-2 stride-2 transposed convolution (written as a
     * 1x1x1 convolution to 8C channels and a 3D pixel shuffle); NEAREST_CONV is nearest-neighbour
     * doubling followed by a 3x3x3 convolution.
     */
    public enum Upsample { SHUFFLE, NEAREST_CONV }

    /** Bumped whenever the block topology changes, so old parameter files are refused. */
    static final String ARCHITECTURE = "ResidualUNet/1";

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
        if (resUnits < 0) throw new BadInputException("UNet config: resUnits must be >= 0, got " + resUnits, null);
        if (norm == null || act == null || up == null) {
            throw new BadInputException("UNet config: norm, act and up must be set", null);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new BadInputException("UNet config: dropout must be in [0, 1), got " + dropout, null);
        }
        if (inChannels < 1) throw new BadInputException("UNet config: inChannels must be >= 1, got " + inChannels, null);
    }

    /** Demo scale: channels 8-16-32-64, 2 residual sub-units, instance norm, PReLU, pixel-shuffle upsampling. */
    public static UNetConfig defaults() {
        return new UNetConfig(new int[] {8, 16, 32, 64}, 2, Norm.INSTANCE, Activation.PRELU,
                Upsample.SHUFFLE, 0.0, 1);
    }

    /** The seed (paper) scale: channels 16-32-64-128-256, otherwise the defaults. */
    public static UNetConfig seedScale() {
        return defaults().withChannels(16, 32, 64, 128, 256);
    }

    @Override
    public int[] channels() {
        return channels.clone();
    }

    /** Number of levels, including the bottleneck. */
    public int levels() {
        return channels.length;
    }

    /** Channels at level {@code k}, 1-based (level 1 is full resolution). */
    public int channelsAt(int level) {
        return channels[level - 1];
    }

    /** Input dims must divide by this; {@link UNet#infer} pads others. */
    public int sizeMultiple() {
        return 1 << (channels.length - 1);
    }

    public UNetConfig withChannels(int... c) {
        return new UNetConfig(c, resUnits, norm, act, up, dropout, inChannels);
    }

    public UNetConfig withResUnits(int r) {
        return new UNetConfig(channels, r, norm, act, up, dropout, inChannels);
    }

    public UNetConfig withNorm(Norm n) {
        return new UNetConfig(channels, resUnits, n, act, up, dropout, inChannels);
    }

    public UNetConfig withAct(Activation a) {
        return new UNetConfig(channels, resUnits, norm, a, up, dropout, inChannels);
    }

    public UNetConfig withUp(Upsample u) {
        return new UNetConfig(channels, resUnits, norm, act, u, dropout, inChannels);
    }

    public UNetConfig withDropout(double p) {
        return new UNetConfig(channels, resUnits, norm, act, up, p, inChannels);
    }

    public UNetConfig withInChannels(int c) {
        return new UNetConfig(channels, resUnits, norm, act, up, dropout, c);
    }

    /** One line that fixes every choice; the hash is taken of this. */
    public String canonical() {
        return ARCHITECTURE + " channels=" + Arrays.stream(channels).mapToObj(Integer::toString)
                .collect(Collectors.joining("-")) + " resUnits=" + resUnits + " norm=" + norm
                + " act=" + act + " up=" + up + " dropout=" + String.format(Locale.ROOT, "%.6f", dropout)
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
        return o instanceof UNetConfig c && Arrays.equals(channels, c.channels) && resUnits == c.resUnits
                && norm == c.norm && act == c.act && up == c.up
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
