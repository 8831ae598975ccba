package dev.unetscope.train;

import ai.djl.ndarray.types.Shape;
import dev.unetscope.io.BadInputException;
import dev.unetscope.io.ProcessCpu;
import dev.unetscope.model.OneDnnSwitch;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.model.SlidingWindowNetwork;
import dev.unetscope.model.TorchScriptNetwork;
import dev.unetscope.model.UNet;
import dev.unetscope.model.UNetConfig;

import ai.djl.pytorch.jni.JniUtils;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Seconds per training step and per inferred volume of a network config on synthetic volumes,
 * after warm-up. Training runs the trainer's own step ({@link Trainer#step}: forward under a
 * gradient collector, loss, backward, {@link Adam}, zeroed gradients) and splits each step into
 * forward (+ loss), backward (+ reading the loss) and optimiser update (+ freeing the step's
 * arrays). Inference runs {@link UNet#infer}, the path {@link BatchInference} uses, probabilities
 * copied back to Java included. The engine computes on the CPU synchronously, so wall-clock marks
 * between calls are the phases' times.
 */
public final class TrainingBenchmark {
    private TrainingBenchmark() {}

    /** Batch {@code n} of {@code d x h x w} volumes, one input channel. */
    public record Setup(UNetConfig net, String objective, int n, int d, int h, int w, int warmup, int steps, double lr, Path profile) {
        public Setup {
            if (n < 1 || d < 1 || h < 1 || w < 1) throw new IllegalArgumentException("batch and shape must be positive");
            if (warmup < 0 || steps < 1) throw new IllegalArgumentException("warm-up must be >= 0 and steps >= 1");
        }

        String describe() {
            return String.format(Locale.ROOT, "%s, input %d x %d x %d x %d x %d", net.canonical(), n, net.inChannels(), d, h, w);
        }
    }

    /** Per timed step (or call) seconds; forward/backward/update are empty for inference. */
    public record Result(double[] total, double[] forward, double[] backward, double[] update, int volumesPerCall) {
        public double median() {
            return TrainingBenchmark.median(total);
        }

        public double medianPerVolume() {
            return median() / volumesPerCall;
        }
    }

    /** Times {@code warmup + steps} training steps and prints one line per step, then the medians. */
    public static Result train(Setup s, PrintStream out) {
        oneDnnSetting(out);
        Objective objective = Objectives.byName(s.objective());
        float[][] xy = phantomBatch(s.n(), s.d(), s.h(), s.w(), 1);
        Shape shape = new Shape(s.n(), s.net().inChannels(), s.d(), s.h(), s.w());
        long seed = 1;
        double[] tot = new double[s.steps()], fw = new double[s.steps()], bw = new double[s.steps()], up = new double[s.steps()];
        double[] cpu = new double[s.steps()];
        try (UNet net = UNet.create(s.net(), seed); Adam adam = new Adam(net.manager(), s.lr())) {
            out.printf(Locale.ROOT, "bench train: %s, %d parameters, objective %s%n", s.describe(), net.parameterCount(), objective.name());
            long[] marks = new long[2];
            Trainer.PhaseClock clock = (phase, nanos) -> marks[phase] = nanos;
            for (int i = 0; i < s.warmup() + s.steps(); i++) {
                if (i == s.warmup()) startProfile(s);
                long c0 = ProcessCpu.nanos(), t0 = System.nanoTime();
                float loss = Trainer.step(net, adam, objective, xy[0], xy[1], shape, seed, i + 1, clock);
                long t3 = System.nanoTime();
                double c = (ProcessCpu.nanos() - c0) / 1e9;
                double f = (marks[0] - t0) / 1e9, b = (marks[1] - marks[0]) / 1e9, u = (t3 - marks[1]) / 1e9, t = (t3 - t0) / 1e9;
                boolean timed = i >= s.warmup();
                out.printf(Locale.ROOT, "step %d %s %.4f s (forward %.4f backward %.4f update %.4f) cpu %.4f s loss %.4f%n",
                        i + 1, timed ? "timed" : "warm-up", t, f, b, u, c, loss);
                if (timed) {
                    int k = i - s.warmup();
                    tot[k] = t;
                    fw[k] = f;
                    bw[k] = b;
                    up[k] = u;
                    cpu[k] = c;
                }
            }
            stopProfile(s, out);
        }
        Result r = new Result(tot, fw, bw, up, s.n());
        out.printf(Locale.ROOT, "median %.4f s/step over %d steps (forward %.4f backward %.4f update %.4f; min %.4f max %.4f; process cpu %.4f s/step)%n",
                r.median(), s.steps(), median(fw), median(bw), median(up), min(tot), max(tot), median(cpu));
        return r;
    }

    /** Times {@code warmup + steps} inference calls on batches of {@code n} volumes and prints s/volume. */
    public static Result infer(Setup s, PrintStream out) {
        return infer(s, null, out);
    }

    /**
     * As {@link #infer(Setup, PrintStream)}; with {@code model} (an imported TorchScript file with its
     * sidecar) that network is timed instead of the reference config, on the same input.
     */
    public static Result infer(Setup s, Path model, PrintStream out) {
        return infer(s, model, null, out);
    }

    /** As above; with {@code patch} (D, H, W) the network runs by sliding window ({@link SlidingWindowNetwork}). */
    public static Result infer(Setup s, Path model, int[] patch, PrintStream out) {
        oneDnnSetting(out);
        float[] x = phantomBatch(s.n(), s.d(), s.h(), s.w(), 2)[0];
        double[] tot = new double[s.steps()], cpu = new double[s.steps()];
        SegmentationNetwork inner = model == null ? UNet.create(s.net(), 1) : TorchScriptNetwork.load(model, null);
        if (patch != null) {
            try {
                inner = new SlidingWindowNetwork(inner, patch);
            } catch (RuntimeException e) {
                inner.close();
                throw e;
            }
            out.printf(Locale.ROOT, "bench infer: sliding window, patch %d x %d x %d, overlap 0.5, Gaussian weights%n", patch[0], patch[1], patch[2]);
        }
        try (SegmentationNetwork net = inner) {
            int channels = net.inChannels();
            if (channels > 1) x = channels(x, s.n(), channels);
            if (model == null && patch == null && net instanceof UNet u) {
                out.printf(Locale.ROOT, "bench infer: %s, %d parameters, batch norm and dropout in inference mode%n", s.describe(), u.parameterCount());
            } else if (model == null) {
                out.printf(Locale.ROOT, "bench infer: %s, input %d x 1 x %d x %d x %d%n", s.describe(), s.n(), s.d(), s.h(), s.w());
            } else {
                out.printf(Locale.ROOT, "bench infer: TorchScript %s (taps %s, computed but not copied), input %d x %d x %d x %d x %d%n",
                        model, String.join(",", net.tapNames()), s.n(), channels, s.d(), s.h(), s.w());
            }
            for (int i = 0; i < s.warmup() + s.steps(); i++) {
                if (i == s.warmup()) startProfile(s);
                long c0 = ProcessCpu.nanos(), t0 = System.nanoTime();
                SegmentationNetwork.Inference inf = net.infer(x, s.n(), s.d(), s.h(), s.w(), Set.of());
                double t = (System.nanoTime() - t0) / 1e9, c = (ProcessCpu.nanos() - c0) / 1e9;
                boolean timed = i >= s.warmup();
                out.printf(Locale.ROOT, "call %d %s %.4f s (%.4f s/volume) cpu %.4f s mean p %.4f%n", i + 1, timed ? "timed" : "warm-up", t,
                        t / s.n(), c, mean(inf.probabilities()));
                if (timed) {
                    tot[i - s.warmup()] = t;
                    cpu[i - s.warmup()] = c;
                }
            }
            stopProfile(s, out);
        }
        Result r = new Result(tot, new double[0], new double[0], new double[0], s.n());
        out.printf(Locale.ROOT, "median %.4f s/volume over %d calls of %d volumes (%.4f s/call; min %.4f max %.4f s/call; mean process cpu %.4f s/volume, as bench/reference_torchscript.py gives it)%n",
                r.medianPerVolume(), s.steps(), s.n(), r.median(), min(tot), max(tot), java.util.Arrays.stream(cpu).average().orElse(0) / s.n());
        return r;
    }

    /**
     * Prints where oneDNN computes; {@code -Dunetscope.onednn=off} turns it off for the whole run
     * (libtorch's own convolutions forward too), to compare against.
     */
    private static void oneDnnSetting(PrintStream out) {
        if ("off".equals(System.getProperty("unetscope.onednn"))) OneDnnSwitch.set(false);
        out.printf(Locale.ROOT, "oneDNN: forward %s, training backward %s%n", OneDnnSwitch.enabled() ? "on" : "off (-Dunetscope.onednn=off)",
                Trainer.ONEDNN_BACKWARD && OneDnnSwitch.enabled() ? "on" : "off (libtorch's own convolution path, -Dunetscope.onednnBackward=off)");
    }

    /** The engine's operator profiler over the timed steps (slows them; for finding where time goes). */
    private static void startProfile(Setup s) {
        if (s.profile() != null) JniUtils.startProfile(false, true, false);
    }

    private static void stopProfile(Setup s, PrintStream out) {
        if (s.profile() == null) return;
        JniUtils.stopProfile(s.profile().toAbsolutePath().toString());
        out.println("profile of the timed steps (Chrome trace): " + s.profile());
    }

    /**
     * A synthetic batch: an ellipsoid mask per volume (shifted per volume) and the image = mask +
     * Gaussian noise (sd 0.5), seeded. Returns {image, mask}, each n x d x h x w.
     */
    /**
     * A batch of {@code n} one-channel volumes as {@code n} cases of {@code c} channels, each case's channels one
     * after another (as {@code PreparedSet} holds them): channel 0 the volume, every further channel its negative
     * (a second contrast in which the gland is dark, as ADC is against T2).
     */
    static float[] channels(float[] x, int n, int c) {
        int vox = x.length / n;
        float[] out = new float[x.length * c];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                int to = (i * c + k) * vox;
                for (int j = 0; j < vox; j++) out[to + j] = k == 0 ? x[i * vox + j] : -x[i * vox + j];
            }
        }
        return out;
    }

    static float[][] phantomBatch(int n, int d, int h, int w, long seed) {
        float[] x = new float[n * d * h * w], y = new float[x.length];
        Random r = new Random(seed);
        double rad2 = Math.pow(0.3 * Math.min(h, w), 2);
        for (int s = 0; s < n; s++) {
            for (int z = 0; z < d; z++) {
                for (int j = 0; j < h; j++) {
                    for (int i = 0; i < w; i++) {
                        int idx = ((s * d + z) * h + j) * w + i;
                        double rr = Math.pow((z - d / 2.0) * 2, 2) + Math.pow(j - h / 2.0, 2) + Math.pow(i - w / 2.0 + 2 - 4 * s, 2);
                        y[idx] = rr < rad2 ? 1 : 0;
                        x[idx] = (float) (y[idx] + 0.5 * r.nextGaussian());
                    }
                }
            }
        }
        return new float[][] {x, y};
    }


    static double median(double[] a) {
        if (a.length == 0) return Double.NaN;
        double[] s = a.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }

    private static double mean(float[] a) {
        double s = 0;
        for (float v : a) s += v;
        return s / a.length;
    }
}
