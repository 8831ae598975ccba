package dev.unetscope.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * libtorch's oneDNN switch is found through JNA, turns off and on, and a 3x3x3 convolution's
 * weight and input gradients computed without oneDNN (libtorch's own path, what a training step's
 * backward uses) agree with oneDNN's.
 */
class OneDnnSwitchTest {
    @Test
    void switchesOffAndOnAndRestores() {
        assertThat(OneDnnSwitch.available()).isTrue();
        assertThat(OneDnnSwitch.enabled()).isTrue();
        assertThat(OneDnnSwitch.set(false)).isTrue();
        try {
            assertThat(OneDnnSwitch.enabled()).isFalse();
            assertThat(OneDnnSwitch.set(false)).isFalse();
        } finally {
            OneDnnSwitch.set(true);
        }
        assertThat(OneDnnSwitch.enabled()).isTrue();
    }

    @Test
    void gradientsWithoutOneDnnAgreeWithOneDnn() {
        float[][] on = gradients(true);
        float[][] off = gradients(false);
        assertThat(OneDnnSwitch.enabled()).isTrue();
        for (int g = 0; g < 2; g++) {
            assertThat(off[g]).hasSameSizeAs(on[g]);
            double worst = 0, scale = 0;
            for (int i = 0; i < on[g].length; i++) {
                worst = Math.max(worst, Math.abs(on[g][i] - off[g][i]));
                scale = Math.max(scale, Math.abs(on[g][i]));
            }
            assertThat(scale).isGreaterThan(0.1);
            assertThat(worst).as("gradient %d", g).isLessThan(1e-4 * scale);
        }
    }

    /** Weight and input gradient of sum(conv(x, k)^2) for 16 -> 8 channels, 3x3x3, on 2 x 16 x 8 x 12 x 12. */
    private static float[][] gradients(boolean oneDnn) {
        Random r = new Random(3);
        float[] x = new float[2 * 16 * 8 * 12 * 12];
        float[] k = new float[8 * 16 * 27];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < k.length; i++) k[i] = (float) (0.1 * r.nextGaussian());
        boolean before = OneDnnSwitch.set(oneDnn);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray xa = m.create(x, new Shape(2, 16, 8, 12, 12));
            NDArray ka = m.create(k, new Shape(8, 16, 3, 3, 3));
            xa.setRequiresGradient(true);
            ka.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = Conv3d.conv3d(xa, ka, null, new Shape(1, 1, 1), new Shape(1, 1, 1), new Shape(1, 1, 1), 1).singletonOrThrow();
                gc.backward(y.square().sum());
            }
            return new float[][] {ka.getGradient().toFloatArray(), xa.getGradient().toFloatArray()};
        } finally {
            OneDnnSwitch.set(before);
        }
    }
}
