package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java array copied into the engine, whose native copy is freed when the manager holding the array
 * closes. DJL's {@code NDManager.create(float[])} copies the values into a direct {@code ByteBuffer}
 * that libtorch then reads in place, and that buffer is freed only when the collector reclaims its
 * small Java object: one promoted to the old generation waits for a full collection, so over an
 * analysis the inputs of every pass pile up (75 MB at 200 cases with the serial collector;
 * docs/ARCHITECTURE.md, "Memory of the analysis"). Here the buffer is made by us and freed with the
 * manager, which also deletes the engine's tensor over it; nothing made from the array may outlive
 * that manager (every caller computes new tensors from it and closes the manager after the pass).
 * Where the JDK's cleaner cannot be reached the buffer is left to the collector, as before.
 */
public final class EngineInput {
    private EngineInput() {}

    private static final AtomicLong IDS = new AtomicLong();
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the buffers are freed with their manager (false: left to the collector). */
    public static boolean freesWithManager() {
        return UNSAFE != null;
    }

    /** {@code values} (row-major, {@code shape.size()} of them) as a float32 array of {@code manager}. */
    public static NDArray of(NDManager manager, float[] values, Shape shape) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(values.length + " values for shape " + shape);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        buf.asFloatBuffer().put(values);
        NDArray a = manager.create(buf, shape, DataType.FLOAT32);
        if (UNSAFE != null) {
            manager.attachInternal("engine-input-" + IDS.incrementAndGet(), () -> UNSAFE.invokeCleaner(buf));
        }
        return a;
    }
}
