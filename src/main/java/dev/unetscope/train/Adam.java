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
 * resumes bit for bit. DJL's own Adam keeps its moments private, hence this class.
 */
public final class Adam implements AutoCloseable {
    private static final String MAGIC = "unetscope.Adam";

    private final double lr, beta1, beta2, eps;
    private final NDManager manager;
    private final Map<String, NDArray> m = new TreeMap<>();
    private final Map<String, NDArray> v = new TreeMap<>();
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
    }

    /** Starts an optimisation step; call once before the {@link #update} calls of that step. */
    public void beginStep() {
        t++;
    }

    public long steps() {
        return t;
    }

    /**
     * {@code weight -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)} with {@code bc = 1 - beta^t},
     * in place, outside autograd. Temporaries live in {@code scratch}, which the caller closes.
     */
    public void update(String name, NDArray weight, NDArray grad, NDManager scratch) {
        NDArray mi = m.computeIfAbsent(name, k -> manager.zeros(weight.getShape()));
        NDArray vi = v.computeIfAbsent(name, k -> manager.zeros(weight.getShape()));
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
