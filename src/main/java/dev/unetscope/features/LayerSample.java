package dev.unetscope.features;

/**
 * One layer's features at the sampled positions: {@code data} is N x C row-major float32; {@code labels}
 * (0/1 per position, the ground-truth majority over the layer voxel's footprint) is null where the
 * set has no labels. {@code stride} is per axis, {@code {sd, sh, sw}} in (z, y, x) order: a position
 * (z, y, x) reads the layer voxel (z / sd, y / sh, x / sw).
 */
public record LayerSample(String name, int channels, int[] stride, float[] data, byte[] labels) {
    public LayerSample {
        if (stride.length != 3) throw new IllegalArgumentException("stride needs 3 axes");
    }

    /** A layer with the same stride on every axis. */
    public LayerSample(String name, int channels, int stride, float[] data, byte[] labels) {
        this(name, channels, new int[] {stride, stride, stride}, data, labels);
    }

    public int n() {
        return data.length / channels;
    }
}
