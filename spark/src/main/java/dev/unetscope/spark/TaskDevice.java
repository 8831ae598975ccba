package dev.unetscope.spark;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.lang.reflect.Field;

/**
 * The DJL device of a task: the GPU Spark assigned it (TaskContext resource {@code gpu}), else the
 * engine's default. unetscope's stages compute on the engine's default device, so the assigned GPU
 * becomes the executor's default: give each executor one GPU (spark.executor.resource.gpu.amount=1,
 * spark.task.resource.gpu.amount=1). Not tested on a GPU cluster.
 */
final class TaskDevice {
    private TaskDevice() {}

    static synchronized void select(TaskContext context) {
        if (context == null) return;
        ResourceInformation gpu = context.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) return;
        Device d = Device.gpu(Integer.parseInt(gpu.addresses()[0].strip()));
        Engine engine = Engine.getInstance();
        if (d.equals(engine.defaultDevice())) return;
        try {
            // DJL has no setter for the default device; every NDManager the stages open takes it from here
            Field f = Engine.class.getDeclaredField("defaultDevice");
            f.setAccessible(true);
            f.set(engine, d);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot select GPU " + d + " for this task: " + e, e);
        }
    }
}
