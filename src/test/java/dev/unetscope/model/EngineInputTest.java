package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Arrays copied into the engine hold their values, and their native copies are freed when their
 * manager closes, without waiting for the collector (DJL's own {@code create(float[])} leaves them to it).
 */
class EngineInputTest {
    static long directBytes() {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) return b.getMemoryUsed();
        }
        throw new AssertionError("no direct buffer pool");
    }

    @Test
    void holdsTheValuesInTheirShape() {
        float[] v = {1.5f, -2f, 0f, Float.MIN_VALUE, 3e7f, -0.25f};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = EngineInput.of(m, v, new Shape(1, 2, 3));
            assertThat(a.getShape()).isEqualTo(new Shape(1, 2, 3));
            assertThat(a.toFloatArray()).containsExactly(v);
            assertThat(a.get("0, 1, 2").getFloat()).isEqualTo(-0.25f);
            assertThat(a.mul(a).sum().getFloat()).isEqualTo(1.5f * 1.5f + 4f + Float.MIN_VALUE * Float.MIN_VALUE + 3e7f * 3e7f + 0.0625f);
        }
    }

    @Test
    void theNativeCopiesAreFreedWhenTheManagerCloses() {
        assertThat(EngineInput.freesWithManager()).isTrue();
        float[] v = new float[1 << 18]; // 1 MiB
        for (int i = 0; i < v.length; i++) v[i] = i % 7;
        try (NDManager base = NDManager.newBaseManager("PyTorch")) {
            long before = directBytes();
            NDManager step = base.newSubManager();
            double sum = 0;
            for (int i = 0; i < 16; i++) sum += EngineInput.of(step, v, new Shape(1 << 18)).sum().getFloat();
            assertThat(sum).isEqualTo(16.0 * 786429); // sum of i % 7 over 2^18 values
            assertThat(directBytes() - before).as("16 MiB copied in").isGreaterThanOrEqualTo(16L << 20);
            step.close();
            assertThat(directBytes() - before).as("freed with the manager, no collection asked").isLessThan(1L << 20);
        }
    }

    @Test
    void refusesAShapeThatDoesNotHoldTheValues() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> EngineInput.of(m, new float[5], new Shape(2, 3))).hasMessageContaining("5 values for shape (2, 3)");
        }
    }
}
