package dev.unetscope.data;

/**
 * The left-right flip of a volume stored x-fastest ({@code index = x + w * (y + h * z)}): the one
 * flip the trainer's augmentation and the test-time augmentation both use.
 */
public final class LeftRightFlip {
    private LeftRightFlip() {}

    /** The index that voxel {@code i} comes from (and goes to) in the flipped volume of width {@code w}. */
    public static int mirror(int i, int w) {
        return i - i % w + (w - 1 - i % w);
    }

    public static float[] apply(float[] v, int w) {
        float[] f = new float[v.length];
        for (int k = 0; k < v.length; k++) f[k] = v[mirror(k, w)];
        return f;
    }
}
