package dev.unetscope.model;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A segmentation network as every stage after training sees it: a forward pass that gives the
 * foreground probability per voxel plus named interior feature maps (taps). Implemented by the
 * built-in {@link UNet} and by an imported {@link TorchScriptNetwork}.
 *
 * <p>Arrays are N x C x D x H x W with D = z (slices), H = y, W = x, flattened row-major. A tap's
 * stride is per axis, {@code {sd, sh, sw}} in (D, H, W) order: input voxel (z, y, x) lies in tap voxel
 * {@code (z / sd, y / sh, x / sw)}. Inputs whose dims do not divide by {@link #sizeDivisor()} are
 * padded at the far end (repeating the edge) and cropped back, so a tap of stride s comes back at
 * {@code ceil(d / sd) x ceil(h / sh) x ceil(w / sw)}.
 */
public interface SegmentationNetwork extends AutoCloseable {

    /** A named interior feature map: channel count and per-axis stride {@code {sd, sh, sw}} relative to the input. */
    record Tap(String name, int channels, int[] stride) {
        public Tap {
            if (stride.length != 3) throw new IllegalArgumentException("stride needs 3 axes: " + Arrays.toString(stride));
            stride = stride.clone();
        }

        @Override
        public int[] stride() {
            return stride.clone();
        }

        public int sd() {
            return stride[0];
        }

        public int sh() {
            return stride[1];
        }

        public int sw() {
            return stride[2];
        }

        /** The same stride on every axis, as in the built-in UNet. */
        public static Tap isotropic(String name, int channels, int stride) {
            return new Tap(name, channels, new int[] {stride, stride, stride});
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tap t && t.name.equals(name) && t.channels == channels && Arrays.equals(t.stride, stride);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + channels * 7 + Arrays.hashCode(stride);
        }

        @Override
        public String toString() {
            return name + " (" + channels + " channels, stride " + stride[0] + "x" + stride[1] + "x" + stride[2] + ")";
        }
    }

    /** Features of one tap for the whole batch: {@code data} is batch x channels x d x h x w. */
    record TapFeatures(String name, int channels, int d, int h, int w, float[] data) {}

    /**
     * The result of one forward pass: {@code probabilities} is batch x d x h x w (the foreground
     * probability, at the input's size; NaN where the network gave non-finite outputs), {@code taps}
     * holds the requested taps in network order.
     */
    record Inference(float[] probabilities, Map<String, TapFeatures> taps) {}

    /** Channels of the input volume. */
    int inChannels();

    /** Taps in network order. */
    List<Tap> taps();

    /** Tap names in network order. */
    default List<String> tapNames() {
        return taps().stream().map(Tap::name).toList();
    }

    /** The tap of that name, or null. */
    default Tap tap(String name) {
        for (Tap t : taps()) if (t.name().equals(name)) return t;
        return null;
    }

    /** The taps of these names, in the given order; an unknown name is refused in one line listing the valid ones. */
    default Map<String, Tap> taps(java.util.Collection<String> names) {
        Map<String, Tap> out = new java.util.LinkedHashMap<>();
        for (String name : names) {
            Tap t = tap(name);
            if (t == null) throw new dev.unetscope.io.BadInputException("unknown tap '" + name + "'", "valid taps: " + String.join(", ", tapNames()));
            out.put(name, t);
        }
        return out;
    }

    /** Per-axis {@code {d, h, w}}: the network's input dims must be multiples (others are padded and cropped back). */
    int[] sizeDivisor();

    /**
     * Why this network has diverged (its parameters hold NaN or Inf), or null when they are finite or
     * cannot be read (an imported module: its outputs are checked instead, {@link Divergence#ofOutputs}).
     */
    default String divergence() {
        return null;
    }

    /**
     * Runs the network once in inference mode on {@code batch} volumes of {@code inChannels x d x h x w}
     * and returns the foreground probabilities plus the requested taps.
     */
    Inference infer(float[] volumes, int batch, int d, int h, int w, Set<String> taps);

    /**
     * Vector-Jacobian products at the input, one per tap, from one forward pass: for each tap named in
     * {@code cotangents} and each of {@code batch} volumes, the gradient with respect to the input
     * voxels ({@code batch x inChannels x d x h x w}) of the sum over the tap's voxels and channels of
     * its cotangent times the tap's features, the network in inference mode. A cotangent has the tap's
     * shape as {@link #infer} returns it ({@code batch x channels x ceil(d / sd) x ceil(h / sh) x
     * ceil(w / sw)}); padding to {@link #sizeDivisor()} is part of the function differentiated.
     *
     * @throws UnsupportedOperationException with the reason when this network gives no input gradients
     */
    default Map<String, float[]> tapInputGradients(float[] volumes, int batch, int d, int h, int w, Map<String, float[]> cotangents) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " gives no input gradients");
    }

    /** {@link #tapInputGradients} of one tap. */
    default float[] tapInputGradient(float[] volumes, int batch, int d, int h, int w, String tap, float[] cotangent) {
        return tapInputGradients(volumes, batch, d, h, w, Map.of(tap, cotangent)).get(tap);
    }

    @Override
    void close();
}
