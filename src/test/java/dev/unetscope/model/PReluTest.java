package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PReLU's inference path (the engine's leaky ReLU with the slope's value, taken with gradients off) gives
 * the same floats as the sum it runs with gradients on, max(x, 0) + a min(x, 0), on values of every kind:
 * zeros, tiny and huge ones, and a slope that is not a power of two.
 */
class PReluTest {
    /** Equal floats (NaN equal to NaN; 0 equal to -0: a sum with other terms, as each convolution after makes, gives the same value with either). */
    static boolean same(float a, float b) {
        return a == b || (Float.isNaN(a) && Float.isNaN(b));
    }

    @Test
    void inferenceGivesTheFloatsOfTheSumWrittenOut() {
        float[] v = new float[4096];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-40, 39)));
        v[0] = 0f;
        v[1] = -0f;
        v[2] = Float.MIN_VALUE;
        v[3] = -Float.MIN_VALUE;
        v[4] = -Float.MAX_VALUE;
        v[5] = Float.NaN;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            PRelu p = new PRelu();
            p.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(4, 1024));
            p.getParameters().get("weight").getArray().set(new float[] {0.3127f});
            boolean grad = JniUtils.isGradMode();
            try {
                NDArray x = m.create(v, new Shape(4, 1024));
                JniUtils.setGradMode(true);
                float[] sum = p.forward(new ParameterStore(m, false), new NDList(x), false).head().toFloatArray();
                JniUtils.setGradMode(false);
                float[] leaky = p.forward(new ParameterStore(m, false), new NDList(x), false).head().toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    float want = v[i] > 0 ? v[i] : v[i] * 0.3127f;
                    assertThat(same(leaky[i], want)).as("leaky %s at %s, want %s", leaky[i], v[i], want).isTrue();
                    assertThat(same(leaky[i], sum[i])).as("leaky %s against the sum's %s at %s", leaky[i], sum[i], v[i]).isTrue();
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
        }
    }
}
