package dev.unetscope.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import dev.unetscope.model.UNet;

/** A bare training step for tests and timing: forward, loss, backward, optimiser, zeroed gradients. */
public final class TinyTraining {
    private TinyTraining() {}

    /** One step on a batch {@code n x inC x d x h x w}; returns the loss before the update. */
    public static float step(UNet net, Optimizer opt, Objective obj, float[] x, float[] y, int n, int d, int h, int w) {
        int cin = net.config().inChannels();
        float loss;
        try (NDManager step = net.manager().newSubManager()) {
            NDArray xa = step.create(x, new Shape(n, cin, d, h, w));
            NDArray ya = step.create(y, new Shape(n, 1, d, h, w));
            ParameterStore ps = new ParameterStore(step, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = net.block().forward(ps, new NDList(xa), true).singletonOrThrow();
                NDArray l = obj.loss(logits, ya);
                gc.backward(l);
                loss = l.getFloat();
            }
            for (Pair<String, Parameter> p : net.block().getParameters()) {
                Parameter par = p.getValue();
                if (!par.requiresGradient()) continue;
                NDArray weight = par.getArray();
                // the gradient wrapper belongs to the model's manager: close it or it leaks each step
                try (NDArray g = weight.getGradient()) {
                    opt.update(par.getId(), weight, g);
                }
                // PyTorch accumulates gradients; zero_() (not DJL's subtract-itself) also clears NaN
                JniUtils.zeroGrad((PtNDArray) weight);
            }
        }
        return loss;
    }
}
