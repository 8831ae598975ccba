package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The vector-Jacobian product of one tap at the input ({@link SegmentationNetwork#tapInputGradient}),
 * shared by the networks that give one: the input padded as {@code infer} pads it, the cotangent
 * placed on the padded tap grid (zero on the padding), one backward pass of the engine's autograd
 * from the tap, and the padded input's gradient folded back onto the voxels it repeated (the adjoint
 * of replicate padding). Autograd is switched on for this thread only and restored after.
 */
final class InputGradient {
    private InputGradient() {}

    /** The tap's features for a padded input that requires a gradient; the arrays belong to {@code step}. */
    @FunctionalInterface
    interface TapForward {
        NDArray tap(NDManager step, NDArray paddedInput);
    }

    static float[] of(NDManager parent, float[] volumes, int batch, int cin, int d, int h, int w, int[] divisor,
                      int channels, int[] stride, float[] cotangent, TapForward forward) {
        if (batch < 1 || d < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("batch and dims must be positive: " + batch + " x " + d + " x " + h + " x " + w);
        }
        if (volumes.length != (long) batch * cin * d * h * w) {
            throw new IllegalArgumentException("expected " + batch + " x " + cin + " x " + d + " x " + h + " x " + w + " voxels, got " + volumes.length);
        }
        int pd = roundUp(d, divisor[0]), ph = roundUp(h, divisor[1]), pw = roundUp(w, divisor[2]);
        int td = ceilDiv(d, stride[0]), th = ceilDiv(h, stride[1]), tw = ceilDiv(w, stride[2]);
        if (cotangent.length != (long) batch * channels * td * th * tw) {
            throw new IllegalArgumentException("cotangent: expected " + batch + " x " + channels + " x " + td + " x " + th + " x " + tw
                    + " values, got " + cotangent.length);
        }
        float[] input = (pd == d && ph == h && pw == w) ? volumes : UNet.padReplicate(volumes, batch * cin, d, h, w, pd, ph, pw);
        float[] v = padZero(cotangent, batch * channels, td, th, tw, pd / stride[0], ph / stride[1], pw / stride[2]);
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager step = parent.newSubManager()) {
            NDArray x = step.create(input, new Shape(batch, cin, pd, ph, pw));
            x.setRequiresGradient(true);
            NDArray f = forward.tap(step, x);
            NDArray cot = step.create(v, f.getShape());
            JniUtils.backward((PtNDArray) f, (PtNDArray) cot.toType(f.getDataType(), false), false, false);
            float[] g = x.getGradient().toFloatArray();
            return foldReplicate(g, batch * cin, d, h, w, pd, ph, pw);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** Each of {@code planes} d x h x w volumes placed at the start of a zero pd x ph x pw one (the adjoint of {@link UNet#crop}). */
    static float[] padZero(float[] src, int planes, int d, int h, int w, int pd, int ph, int pw) {
        if (pd == d && ph == h && pw == w) return src;
        float[] dst = new float[planes * pd * ph * pw];
        for (int p = 0; p < planes; p++) {
            for (int z = 0; z < d; z++) {
                for (int y = 0; y < h; y++) System.arraycopy(src, ((p * d + z) * h + y) * w, dst, ((p * pd + z) * ph + y) * pw, w);
            }
        }
        return dst;
    }

    /** The adjoint of {@link UNet#padReplicate}: each padded voxel's value added onto the voxel it repeated. */
    static float[] foldReplicate(float[] src, int planes, int d, int h, int w, int pd, int ph, int pw) {
        if (pd == d && ph == h && pw == w) return src;
        float[] dst = new float[planes * d * h * w];
        for (int p = 0; p < planes; p++) {
            for (int z = 0; z < pd; z++) {
                int sz = Math.min(z, d - 1);
                for (int y = 0; y < ph; y++) {
                    int sy = Math.min(y, h - 1);
                    int to = ((p * d + sz) * h + sy) * w;
                    int from = ((p * pd + z) * ph + y) * pw;
                    for (int x = 0; x < pw; x++) dst[to + Math.min(x, w - 1)] += src[from + x];
                }
            }
        }
        return dst;
    }

    private static int roundUp(int n, int m) {
        return ceilDiv(n, m) * m;
    }

    private static int ceilDiv(int n, int m) {
        return (n + m - 1) / m;
    }
}
