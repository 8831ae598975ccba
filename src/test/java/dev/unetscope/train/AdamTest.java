package dev.unetscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unetscope.ReferencePython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AdamTest {
    @TempDir
    Path dir;

    /** The gradient formula of adam_reference.py. */
    private static float[] grad(int n, int s) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) g[i] = (float) (Math.cos(0.11 * i + s) * Math.pow(10.0, s - 4) * i);
        return g;
    }

    @Test
    void followsTorchOptimAdamStepByStep() throws Exception {
        String[] lines = ReferencePython.run(dir, "adam_reference.py", dir.toString(), "torch", 120).strip().split("\n");
        int n = 37;
        assertThat(lines).hasSize(6);
        try (NDManager root = NDManager.newBaseManager(); Adam adam = new Adam(root, 1e-3)) {
            float[] w0 = new float[n];
            for (int i = 0; i < n; i++) w0[i] = (float) Math.sin(0.37 * i);
            NDArray w = root.create(w0, new Shape(n));
            for (int s = 0; s < lines.length; s++) {
                try (NDManager scratch = root.newSubManager()) {
                    NDArray g = scratch.create(grad(n, s), new Shape(n));
                    adam.beginStep();
                    adam.update("w", w, g, scratch);
                }
                String[] want = lines[s].trim().split(" ");
                float[] got = w.toFloatArray();
                for (int i = 0; i < n; i++) {
                    double expected = Double.parseDouble(want[i]);
                    // PyTorch fuses two of the additions (add with alpha, addcdiv): a float's rounding apart
                    assertThat((double) got[i]).as("step %d, element %d", s + 1, i).isCloseTo(expected, within(2e-7 * (1 + Math.abs(expected))));
                }
                // the first step moves every element with a non-zero gradient by lr (Adam's unit step)
                if (s == 0) assertThat((double) Math.abs(got[5] - w0[5])).isCloseTo(1e-3, within(1e-6));
            }
        }
    }

    /** The update as it was written with DJL's number operands (a 0-d double array made per call). */
    private static void updateWithNumbers(NDArray mi, NDArray vi, NDArray weight, NDArray grad, long t, NDManager scratch,
                                          double lr, double beta1, double beta2, double eps) {
        NDArray g = grad.duplicate();
        g.attach(scratch);
        mi.muli(beta1);
        NDArray gm = g.mul(1 - beta1);
        gm.attach(scratch);
        mi.addi(gm);
        vi.muli(beta2);
        NDArray g2 = g.mul(g).muli(1 - beta2);
        g2.attach(scratch);
        vi.addi(g2);
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        NDArray denom = vi.sqrt();
        denom.attach(scratch);
        denom.divi(Math.sqrt(bc2)).addi(eps);
        NDArray step = mi.div(denom);
        step.attach(scratch);
        step.muli(lr / bc1);
        weight.subi(step);
    }

    @Test
    void givesTheSameFloatsAsTheUpdateWrittenWithNumberOperands() {
        // the trainer's learning rate, PyTorch's default one, and other betas and eps
        sameFloats(TrainConfig.DEFAULT_LR, 0.9, 0.999, 1e-8);
        sameFloats(1e-3, 0.9, 0.999, 1e-8);
        sameFloats(0.02, 0.5, 0.9, 1e-6);
    }

    private static void sameFloats(double lr, double beta1, double beta2, double eps) {
        Random rnd = new Random(11);
        int[][] shapes = {{1}, {8, 1, 3, 3, 3}, {16, 8, 3, 3, 3}, {3}};
        try (NDManager root = NDManager.newBaseManager(); Adam adam = new Adam(root, lr, beta1, beta2, eps)) {
            float[][] inits = new float[shapes.length][];
            NDArray[] w = new NDArray[shapes.length], wRef = new NDArray[shapes.length], m = new NDArray[shapes.length], v = new NDArray[shapes.length];
            for (int k = 0; k < shapes.length; k++) {
                Shape sh = new Shape(java.util.Arrays.stream(shapes[k]).asLongStream().toArray());
                float[] init = new float[(int) sh.size()];
                for (int i = 0; i < init.length; i++) init[i] = (float) rnd.nextGaussian();
                inits[k] = init;
                w[k] = root.create(init, sh);
                wRef[k] = root.create(init, sh);
                m[k] = root.zeros(sh);
                v[k] = root.zeros(sh);
            }
            for (int t = 1; t <= 40; t++) {
                adam.beginStep();
                for (int k = 0; k < shapes.length; k++) {
                    try (NDManager scratch = root.newSubManager()) {
                        float[] gv = new float[(int) w[k].size()];
                        // scales from 1e-30 (denormal squares) to 1e3, with exact zeros
                        for (int i = 0; i < gv.length; i++) gv[i] = i % 7 == 3 ? 0f : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(34) - 30));
                        NDArray g = scratch.create(gv, w[k].getShape());
                        adam.update("p" + k, w[k], g, scratch);
                        updateWithNumbers(m[k], v[k], wRef[k], g, t, scratch, lr, beta1, beta2, eps);
                    }
                }
            }
            for (int k = 0; k < shapes.length; k++) {
                float[] got = w[k].toFloatArray(), want = wRef[k].toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertThat(Float.floatToRawIntBits(got[i])).as("lr %s betas %s %s: parameter %d element %d", lr, beta1, beta2, k, i)
                            .isEqualTo(Float.floatToRawIntBits(want[i]));
                }
                assertThat(got).as("the updates moved parameter %d", k).isNotEqualTo(inits[k]);
            }
        }
    }

    @Test
    void refusesAnUpdateWithoutItsStepAlsoAfterALoad() throws Exception {
        try (NDManager root = NDManager.newBaseManager(); Adam adam = new Adam(root, 1e-3)) {
            NDArray w = root.create(new float[] {1, 2}, new Shape(2));
            NDArray g = root.create(new float[] {0.5f, -0.5f}, new Shape(2));
            assertThatThrownBy(() -> adam.update("w", w, g, root)).isInstanceOf(IllegalStateException.class);
            adam.beginStep();
            adam.update("w", w, g, root);
            java.io.ByteArrayOutputStream saved = new java.io.ByteArrayOutputStream();
            adam.save(new java.io.DataOutputStream(saved));
            adam.load(new java.io.DataInputStream(new java.io.ByteArrayInputStream(saved.toByteArray())));
            // the loaded step count's numbers are made by the next beginStep, not kept from before the load
            assertThatThrownBy(() -> adam.update("w", w, g, root)).isInstanceOf(IllegalStateException.class);
            adam.beginStep();
            adam.update("w", w, g, root);
            assertThat(adam.steps()).isEqualTo(2);
        }
    }
}
