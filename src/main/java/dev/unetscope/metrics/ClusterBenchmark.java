package dev.unetscope.metrics;

import dev.unetscope.io.ProcessCpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Times the cluster mathematics on seeded Gaussian blobs: k-means (k 8, 3 restarts), a diagonal and
 * a full Gaussian mixture (k 4, fit then score) and Davies-Bouldin on the blobs' labels, each
 * repeated and reported as the median; the same work as {@code bench/reference_sklearn.py} does with
 * scikit-learn. All four run on the CPU in plain Java, on the common fork-join pool plus the calling
 * thread; that pool's size (and the engine's thread count) is fixed when first used: {@link #main} sets it.
 *
 * <p>On a machine shared with other work, set {@code OMP_WAIT_POLICY=PASSIVE} in the environment
 * (for this and for the sklearn script): libtorch's OpenMP threads otherwise spin at every op's
 * barrier, and with more runnable threads than cores that made the whole run about 5x slower here.
 */
public final class ClusterBenchmark {
    private ClusterBenchmark() {}

    /** {@code cpuSeconds}: the process's CPU time (all threads) of each run, steadier than wall time on a shared machine. */
    public record Line(String name, double medianSeconds, double[] seconds, double medianCpuSeconds, double[] cpuSeconds) {}

    public record Result(int points, int dims, int repeats, String device, List<Line> lines, double totalSeconds) {
        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "cluster benchmark: %d points x %d dims, median of %d, %s, %s threads, OMP_WAIT_POLICY=%s%n",
                    points, dims, repeats, device, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1,
                    System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)")));
            double cpu = 0;
            for (Line l : lines) {
                sb.append(String.format(Locale.ROOT, "%-22s %8.3f s   cpu %8.3f s%n", l.name, l.medianSeconds, l.medianCpuSeconds));
                cpu += l.medianCpuSeconds;
            }
            sb.append(String.format(Locale.ROOT, "%-22s %8.3f s   cpu %8.3f s%n", "total", totalSeconds, cpu));
            return sb.toString();
        }
    }

    /** n points around 8 centres drawn uniformly in [-10, 10]^d, unit standard deviation (sklearn's make_blobs). */
    public static Blobs blobs(int n, int d, int centers, long seed) {
        Random rnd = new Random(seed);
        double[] c = new double[centers * d];
        for (int i = 0; i < c.length; i++) c[i] = -10 + 20 * rnd.nextDouble();
        float[] x = new float[n * d];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int j = i % centers;
            labels[i] = j;
            for (int q = 0; q < d; q++) x[i * d + q] = (float) (c[j * d + q] + rnd.nextGaussian());
        }
        return new Blobs(new FeatureMatrix(x, n, d), labels);
    }

    public record Blobs(FeatureMatrix x, int[] labels) {}

    public static Result run(int points, int dims, int repeats, long seed) {
        Blobs b = blobs(points, dims, 8, seed);
        // compile the kernels on a small problem, outside the timings
        Blobs warm = blobs(2000, dims, 8, seed + 1);
        new KMeans(8, seed).fit(warm.x());
        new GaussianMixture(4, CovarianceType.FULL, seed).fit(warm.x()).meanLogLikelihood(warm.x());
        new GaussianMixture(4, CovarianceType.DIAGONAL, seed).fit(warm.x()).meanLogLikelihood(warm.x());
        String[] names = {"k-means (k 8, 3 runs)", "diagonal mixture (k 4)", "full mixture (k 4)", "Davies-Bouldin"};
        Runnable[] work = {
            null, null, null, () -> DaviesBouldin.score(b.x(), b.labels())
        };
        double[][] t = new double[names.length][repeats];
        double[][] cpu = new double[names.length][repeats];
        for (int r = 0; r < repeats; r++) {
            long s = seed + r;
            work[0] = () -> new KMeans(8, s).fit(b.x());
            work[1] = () -> new GaussianMixture(4, CovarianceType.DIAGONAL, s).fit(b.x()).meanLogLikelihood(b.x());
            work[2] = () -> new GaussianMixture(4, CovarianceType.FULL, s).fit(b.x()).meanLogLikelihood(b.x());
            for (int i = 0; i < names.length; i++) {
                long c0 = ProcessCpu.nanos(), t0 = System.nanoTime();
                work[i].run();
                t[i][r] = (System.nanoTime() - t0) * 1e-9;
                cpu[i][r] = (ProcessCpu.nanos() - c0) * 1e-9;
            }
        }
        List<Line> lines = new ArrayList<>();
        double total = 0;
        for (int i = 0; i < names.length; i++) {
            double m = median(t[i]);
            lines.add(new Line(names[i], m, t[i], median(cpu[i]), cpu[i]));
            total += m;
        }
        return new Result(points, dims, repeats, "plain Java on the CPU", lines, total);
    }


    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    /** {@code --points N --dims D --threads T --repeats R --seed S}; defaults 200000, 32, 2, 3, 0. */
    public static void main(String[] args) {
        int points = 200_000, dims = 32, threads = 2, repeats = 3;
        long seed = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--points" -> points = Integer.parseInt(args[i + 1]);
                case "--dims" -> dims = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        // read once when the engine starts
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", Integer.toString(threads - 1));
        System.out.print(run(points, dims, repeats, seed).format());
    }
}
