package dev.unetscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adam exactly as PyTorch's {@code torch.optim.Adam} (no weight decay), with its state (step count
 * and both moment estimates, keyed by parameter name) saved beside each checkpoint, so a killed run
 * resumes bit for bit. DJL's own Adam keeps its moments private, hence this class. One run's, on
 * one thread: not safe to share.
 */
public final class Adam implements AutoCloseable {
    private static final String MAGIC = "unetscope.Adam";

    private final double lr, beta1, beta2, eps;
    private final NDManager manager;
    private final Map<String, NDArray> m = new TreeMap<>();
    private final Map<String, NDArray> v = new TreeMap<>();
    /**
     * The update's numbers as the engine's 0-d float arrays, made once (the step's two when the step
     * begins). DJL's {@code muli(Number)} makes and frees a 0-d double array at every call, which the
     * operator then converts to float (an {@code aten::to} inside each {@code mul_}): the same float,
     * so the same results, with about 15 fewer engine calls per parameter and step (7 made, 7 converted, 1 copy).
     */
    private final NDArray beta1s, oneMinusBeta1, beta2s, oneMinusBeta2, epsilon;
    private NDArray sqrtBc2, stepSize;
    private long t;

    public Adam(NDManager parent, double lr) {
        this(parent, lr, 0.9, 0.999, 1e-8);
    }

    public Adam(NDManager parent, double lr, double beta1, double beta2, double eps) {
        this.manager = parent.newSubManager();
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        beta1s = scalar(beta1);
        oneMinusBeta1 = scalar(1 - beta1);
        beta2s = scalar(beta2);
        oneMinusBeta2 = scalar(1 - beta2);
        epsilon = scalar(eps);
    }

    /** The float that a float32 operator makes of the double DJL's {@code NDArray.muli(Number)} would pass. */
    private NDArray scalar(double x) {
        return manager.create((float) x);
    }

    /** Starts an optimisation step; call once before the {@link #update} calls of that step. */
    public void beginStep() {
        t++;
        closeStepNumbers();
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        sqrtBc2 = scalar(Math.sqrt(bc2));
        stepSize = scalar(lr / bc1);
    }

    private void closeStepNumbers() {
        if (sqrtBc2 != null) {
            sqrtBc2.close();
            stepSize.close();
            sqrtBc2 = null;
            stepSize = null;
        }
    }

    public long steps() {
        return t;
    }

    /**
     * {@code weight -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)} with {@code bc = 1 - beta^t},
     * in place, outside autograd. Temporaries live in {@code scratch}, which the caller closes.
     */
    public void update(String name, NDArray weight, NDArray grad, NDManager scratch) {
        if (sqrtBc2 == null) throw new IllegalStateException("call beginStep before update");
        NDArray mi = m.computeIfAbsent(name, k -> manager.zeros(weight.getShape()));
        NDArray vi = v.computeIfAbsent(name, k -> manager.zeros(weight.getShape()));
        // every array derived from grad (which belongs to the model's manager) is moved to scratch
        mi.muli(beta1s);
        NDArray gm = grad.mul(oneMinusBeta1);
        gm.attach(scratch);
        mi.addi(gm);
        vi.muli(beta2s);
        NDArray g2 = grad.mul(grad);
        g2.attach(scratch);
        g2.muli(oneMinusBeta2);
        vi.addi(g2);
        NDArray denom = vi.sqrt();
        denom.attach(scratch);
        denom.divi(sqrtBc2).addi(epsilon);
        NDArray step = mi.div(denom);
        step.attach(scratch);
        step.muli(stepSize);
        weight.subi(step);
    }

    public void save(DataOutputStream out) throws IOException {
        out.writeUTF(MAGIC);
        out.writeLong(t);
        out.writeInt(m.size());
        for (String name : m.keySet()) {
            out.writeUTF(name);
            writeArray(out, m.get(name));
            writeArray(out, v.get(name));
        }
    }

    public void load(DataInputStream in) throws IOException {
        if (!MAGIC.equals(in.readUTF())) throw new IOException("not an optimiser state");
        t = in.readLong();
        // the step's numbers belong to the step count read here: beginStep makes them anew
        closeStepNumbers();
        int n = in.readInt();
        for (NDArray a : m.values()) a.close();
        for (NDArray a : v.values()) a.close();
        m.clear();
        v.clear();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            m.put(name, readArray(in));
            v.put(name, readArray(in));
        }
    }

    private static void writeArray(DataOutputStream out, NDArray a) throws IOException {
        long[] shape = a.getShape().getShape();
        out.writeInt(shape.length);
        for (long s : shape) out.writeLong(s);
        float[] d = a.toFloatArray();
        out.writeInt(d.length);
        for (float f : d) out.writeFloat(f);
    }

    private NDArray readArray(DataInputStream in) throws IOException {
        int rank = in.readInt();
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) shape[i] = in.readLong();
        int n = in.readInt();
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = in.readFloat();
        return manager.create(d, new Shape(shape));
    }

    @Override
    public void close() {
        manager.close();
    }
}
