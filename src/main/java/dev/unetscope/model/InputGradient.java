package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The vector-Jacobian product of one tap at the input ({@link SegmentationNetwork#tapInputGradient}),
 * shared by the networks that give one: the input padded as {@code infer} pads it, the cotangent
 * placed on the padded tap grid (zero on the padding), one backward pass of the engine's autograd
 * from the tap, and the padded input's gradient folded back onto the voxels it repeated (the adjoint
 * of replicate padding); several taps share the forward pass. Autograd is switched on for this
 * thread only and restored after.
 */
final class InputGradient {
    private InputGradient() {}

    /** Every tap's features for a padded input that requires a gradient; the arrays belong to {@code step}. */
    @FunctionalInterface
    interface TapForward {
        Map<String, NDArray> taps(NDManager step, NDArray paddedInput);
    }

    /**
     * One forward pass, then one backward pass per tap of {@code cotangents} (the graph kept until the
     * last), the input's gradient read and zeroed after each. {@code shapes} gives each tap's channels
     * and per-axis stride.
     */
    static Map<String, float[]> of(NDManager parent, float[] volumes, int batch, int cin, int d, int h, int w, int[] divisor,
                                   Map<String, SegmentationNetwork.Tap> shapes, Map<String, float[]> cotangents, TapForward forward) {
        if (batch < 1 || d < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("batch and dims must be positive: " + batch + " x " + d + " x " + h + " x " + w);
        }
        if (volumes.length != (long) batch * cin * d * h * w) {
            throw new IllegalArgumentException("expected " + batch + " x " + cin + " x " + d + " x " + h + " x " + w + " voxels, got " + volumes.length);
        }
        int pd = roundUp(d, divisor[0]), ph = roundUp(h, divisor[1]), pw = roundUp(w, divisor[2]);
        Map<String, float[]> padded = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : cotangents.entrySet()) {
            SegmentationNetwork.Tap t = shapes.get(e.getKey());
            int td = ceilDiv(d, t.sd()), th = ceilDiv(h, t.sh()), tw = ceilDiv(w, t.sw());
            if (e.getValue().length != (long) batch * t.channels() * td * th * tw) {
                throw new IllegalArgumentException("cotangent of " + t.name() + ": expected " + batch + " x " + t.channels() + " x " + td + " x " + th + " x " + tw
                        + " values, got " + e.getValue().length);
            }
            padded.put(e.getKey(), padZero(e.getValue(), batch * t.channels(), td, th, tw, pd / t.sd(), ph / t.sh(), pw / t.sw()));
        }
        float[] input = (pd == d && ph == h && pw == w) ? volumes : UNet.padReplicate(volumes, batch * cin, d, h, w, pd, ph, pw);
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager step = parent.newSubManager()) {
            NDArray x = EngineInput.of(step, input, new Shape(batch, cin, pd, ph, pw));
            x.setRequiresGradient(true);
            Map<String, NDArray> taps = forward.taps(step, x);
            Map<String, float[]> out = new LinkedHashMap<>();
            int left = padded.size();
            for (Map.Entry<String, float[]> e : padded.entrySet()) {
                NDArray f = taps.get(e.getKey());
                NDArray cot = EngineInput.of(step, e.getValue(), f.getShape()).toType(f.getDataType(), false);
                JniUtils.backward((PtNDArray) f, (PtNDArray) cot, --left > 0, false);
                NDArray g = x.getGradient();
                out.put(e.getKey(), foldReplicate(g.toFloatArray(), batch * cin, d, h, w, pd, ph, pw));
                JniUtils.zeroGrad((PtNDArray) x);
            }
            return out;
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
