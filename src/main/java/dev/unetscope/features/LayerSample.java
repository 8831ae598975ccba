package dev.unetscope.features;

/**
 * One layer's features at the sampled positions: {@code data} is N x C row-major float32; {@code labels}
 * (0/1 per position, the ground-truth majority over the layer voxel's footprint) is null where the
 * set has no labels.
 */
public record LayerSample(String name, int channels, int stride, float[] data, byte[] labels) {
    public int n() {
        return data.length / channels;
    }
}
