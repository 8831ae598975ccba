package dev.unetscope.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.unetscope.ReferencePython;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The transposed convolution built from a 2x2x2 convolution and a pixel shuffle equals PyTorch's, gradient included. */
class TransposedConv3dTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "stride {0}")
    @ValueSource(ints = {2, 1})
    void equalsTorchConvTranspose3dAndItsWeightGradient(int stride) throws Exception {
        if (!java.nio.file.Files.exists(dir.resolve("conv_transpose.safetensors"))) {
            ReferencePython.run(dir, "conv_transpose_reference.py", dir.toString(), "torch and numpy", 120, "monai_parity.py", "monai_unet.py");
        }
        Map<String, SafeTensors.Tensor> ref = SafeTensors.read(dir.resolve("conv_transpose.safetensors"));
        String p = "s" + stride + ".";
        long[] xs = ref.get(p + "x").shape(), ys = ref.get(p + "y").shape();
        assertThat(ys).containsExactly(2, 2, 2L * stride, 3L * stride, 4L * stride);
        try (NDManager m = NDManager.newBaseManager()) {
            TransposedConv3d t = new TransposedConv3d(3, 2, stride);
            t.initialize(m, DataType.FLOAT32, new Shape(xs));
            t.weight().getArray().set(FloatBuffer.wrap(ref.get(p + "w").values()));
            t.bias().getArray().set(FloatBuffer.wrap(ref.get(p + "b").values()));
            float[] y;
            float[] grad;
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = step.create(ref.get(p + "x").values(), new Shape(xs));
                NDArray out = t.forward(new ParameterStore(step, false), new NDList(x), true).singletonOrThrow();
                assertThat(out.getShape()).isEqualTo(new Shape(ys));
                y = out.toFloatArray();
                gc.backward(out.mul(step.create(ref.get(p + "r").values(), new Shape(ys))).sum());
                grad = t.weight().getArray().getGradient().toFloatArray();
            }
            assertClose(y, ref.get(p + "y").values(), 1e-5f);
            assertClose(grad, ref.get(p + "grad_w").values(), 1e-4f);
        }
    }

    static void assertClose(float[] got, float[] want, float tol) {
        assertThat(got).hasSameSizeAs(want);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < got.length; i++) {
            double e = Math.abs(got[i] - want[i]);
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        assertThat(worst).as("max abs difference at %d", at).isLessThanOrEqualTo(tol);
    }
}
