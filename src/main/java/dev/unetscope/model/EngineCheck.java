package dev.unetscope.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv3d;

import java.util.Random;

/**
 * Checks the tensor engine on this machine: a 3D convolution with 24 input channels computed by
 * the engine against a plain loop. oneDNN's AVX-512 path in libtorch 2.7.1 gets this wrong on some
 * CPUs (off by up to ~3, sometimes NaN); {@code ONEDNN_MAX_CPU_ISA=AVX2} fixes it.
 */
public final class EngineCheck {
    private EngineCheck() {}

    public record Result(String engine, String version, int threads, String device, double maxAbsError,
                         boolean nan, boolean ok, String isaSetting) {}

    public static final double TOLERANCE = 1e-3;

    public static Result run(long seed) {
        Engine engine = Engine.getEngine("PyTorch");
        int n = 2, cin = 24, cout = 16, d = 12, h = 24, w = 24;
        Random rnd = new Random(seed);
        float[] x = new float[n * cin * d * h * w];
        float[] k = new float[cout * cin * 27];
        float[] b = new float[cout];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < k.length; i++) k[i] = (float) (rnd.nextGaussian() * 0.1);
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        double maxErr = 0;
        boolean nan = false;
        float[] got;
        try (NDManager m = engine.newBaseManager()) {
            NDArray xa = m.create(x, new Shape(n, cin, d, h, w));
            NDArray ka = m.create(k, new Shape(cout, cin, 3, 3, 3));
            NDArray ba = m.create(b, new Shape(cout));
            NDArray y = Conv3d.conv3d(xa, ka, ba, new Shape(1, 1, 1), new Shape(1, 1, 1),
                    new Shape(1, 1, 1), 1).singletonOrThrow();
            got = y.toFloatArray();
        }
        // plain reference, zero padding 1
        int idx = 0;
        for (int bi = 0; bi < n; bi++) for (int o = 0; o < cout; o++) {
            for (int z = 0; z < d; z++) for (int yy = 0; yy < h; yy++) for (int xx = 0; xx < w; xx++) {
                double s = b[o];
                for (int c = 0; c < cin; c++) for (int dz = -1; dz <= 1; dz++) for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {
                    int zz = z + dz, y2 = yy + dy, x2 = xx + dx;
                    if (zz < 0 || zz >= d || y2 < 0 || y2 >= h || x2 < 0 || x2 >= w) continue;
                    s += x[(((bi * cin + c) * d + zz) * h + y2) * w + x2] * k[(((o * cin + c) * 3 + dz + 1) * 3 + dy + 1) * 3 + dx + 1];
                }
                float g = got[idx++];
                if (Float.isNaN(g)) nan = true;
                else maxErr = Math.max(maxErr, Math.abs(g - s));
            }
        }
        String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
        int threads = Runtime.getRuntime().availableProcessors();
        String threadProp = System.getProperty("ai.djl.pytorch.num_threads");
        if (threadProp != null) threads = Integer.parseInt(threadProp);
        return new Result(engine.getEngineName(), engine.getVersion(), threads,
                engine.defaultDevice().toString(), maxErr, nan, !nan && maxErr < TOLERANCE,
                isa == null ? "(unset)" : isa);
    }

    /**
     * The 4-channel race: one 3D convolution with 4 input and 4 output channels (2 x 4 x 24 x 64 x 64,
     * the shape of a full-resolution first unit), forward and backward, {@code repeats} times on the
     * engine's threads. oneDNN is deterministic for the same input, so any run that differs from the
     * first or holds NaN/Inf is the race.
     *
     * @param differing repeats whose output or gradients differ from the first (beyond 1e-4 relative)
     * @param nonFinite repeats with NaN or Inf anywhere
     */
    public record RaceResult(int repeats, int threads, int differing, int nonFinite, double seconds) {
        public boolean ok() {
            return differing == 0 && nonFinite == 0;
        }
    }

    public static RaceResult raceCheck(long seed, int repeats) {
        Engine engine = Engine.getEngine("PyTorch");
        int n = 2, c = 4, d = 24, h = 64, w = 64;
        Random rnd = new Random(seed);
        float[] x = new float[n * c * d * h * w];
        float[] k = new float[c * c * 27];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < k.length; i++) k[i] = (float) (rnd.nextGaussian() * 0.2);
        float[][] first = null;
        int differing = 0, nonFinite = 0;
        long t0 = System.nanoTime();
        for (int r = 0; r < repeats; r++) {
            float[][] got;
            try (NDManager m = engine.newBaseManager()) {
                NDArray xa = m.create(x, new Shape(n, c, d, h, w));
                NDArray ka = m.create(k, new Shape(c, c, 3, 3, 3));
                xa.setRequiresGradient(true);
                ka.setRequiresGradient(true);
                try (ai.djl.training.GradientCollector gc = engine.newGradientCollector()) {
                    NDArray y = Conv3d.conv3d(xa, ka, null, new Shape(1, 1, 1), new Shape(1, 1, 1), new Shape(1, 1, 1), 1).singletonOrThrow();
                    gc.backward(y.square().sum());
                    got = new float[][] {y.toFloatArray(), ka.getGradient().toFloatArray(), xa.getGradient().toFloatArray()};
                }
            }
            boolean finite = true;
            for (float[] a : got) for (float v : a) finite &= Float.isFinite(v);
            if (!finite) nonFinite++;
            if (first == null) {
                first = got;
                continue;
            }
            boolean same = true;
            for (int a = 0; a < got.length && same; a++) {
                for (int i = 0; i < got[a].length; i++) {
                    if (!(Math.abs(got[a][i] - first[a][i]) <= 1e-4 * (1 + Math.abs(first[a][i])))) {
                        same = false;
                        break;
                    }
                }
            }
            if (!same) differing++;
        }
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        return new RaceResult(repeats, threads, differing, nonFinite, (System.nanoTime() - t0) / 1e9);
    }

    public static void main(String[] args) {
        System.out.println(run(1));
    }
}
