package dev.unetscope.train;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.unetscope.model.UNet;
import dev.unetscope.model.UNetConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Not a test (superseded by {@code unetscope bench train}, which uses the trainer's own step and Adam): median seconds per training step of the benchmark's reference network (channels
 * 8-16-32-64, one residual sub-unit, batch norm, ReLU, MONAI topology, batch 2 x 1 x 32 x
 * 64 x 64, soft Dice, Adam). Run with ONEDNN_MAX_CPU_ISA=AVX2 and -Dai.djl.pytorch.num_threads=2.
 * Arguments: [timed steps (15)] [warm-up steps (3)].
 */
public final class StepTiming {
    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int warm = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        UNetConfig cfg = UNetConfig.defaults().withChannels(8, 16, 32, 64).withResUnits(1)
                .withNorm(UNetConfig.Norm.BATCH).withAct(UNetConfig.Activation.RELU);
        int n = 2, d = 32, h = 64, w = 64;
        float[] x = new float[n * d * h * w], y = new float[n * d * h * w];
        Random r = new Random(1);
        for (int s = 0; s < n; s++) for (int z = 0; z < d; z++) for (int j = 0; j < h; j++) for (int i = 0; i < w; i++) {
            int idx = ((s * d + z) * h + j) * w + i;
            double rr = Math.pow((z - 16) * 2, 2) + Math.pow(j - 32, 2) + Math.pow(i - 30 - 4 * s, 2);
            y[idx] = rr < 400 ? 1 : 0;
            x[idx] = (float) (y[idx] + 0.5 * r.nextGaussian());
        }
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
        Objective dice = new SoftDiceLoss();
        double[] secs = new double[steps];
        try (UNet net = UNet.create(cfg, 1)) {
            System.out.printf("config %s (%s), %d parameters, ISA cap %s, threads %s%n", cfg, cfg.hash(),
                    net.parameterCount(), System.getenv("ONEDNN_MAX_CPU_ISA"), System.getProperty("ai.djl.pytorch.num_threads"));
            for (int s = 0; s < warm + steps; s++) {
                long t0 = System.nanoTime();
                float loss = TinyTraining.step(net, adam, dice, x, y, n, d, h, w);
                double sec = (System.nanoTime() - t0) / 1e9;
                if (s >= warm) secs[s - warm] = sec;
                System.out.printf("step %2d %s %.3f s loss %.4f rss %d MiB%n", s, s < warm ? "warm " : "timed", sec, loss, rssMiB());
            }
        }
        double[] sorted = secs.clone();
        Arrays.sort(sorted);
        double median = steps % 2 == 1 ? sorted[steps / 2] : (sorted[steps / 2 - 1] + sorted[steps / 2]) / 2;
        System.out.printf("median %.3f s/step over %d steps (min %.3f, max %.3f)%n", median, steps, sorted[0], sorted[steps - 1]);
    }

    private static long rssMiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
        return -1;
    }
}
