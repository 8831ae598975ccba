package dev.unetscope.data.phantom;

import dev.unetscope.volume.Volume;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Appearance primitives shared by the phantom generator and {@code dev.unetscope.data.ShiftTransforms}:
 * separable Gaussian blur in mm, a smooth multiplicative bias field, Rician noise, gamma, scale and
 * offset. All are pure: they return a new Volume on the same grid and never modify their input.
 * Random draws use {@link SplittableRandom} and a Box-Muller transform written here, so results are
 * the same on every JDK.
 */
public final class AppearanceOps {
    /**
     * Reference noise sigma as a fraction of {@link #robustScale}: 0.044 is a neutral phantom's own
     * (base sigma 27.5 over a mean 99th percentile of 624 on seed 7, cases 0-19), so noise=k on a
     * real image adds about what noise=k does to a phantom.
     */
    public static final double NOISE_REF = 0.044;
    /** Log-amplitude of the bias field at bias=1: the field spans about exp(+-0.3), i.e. 0.74 .. 1.35. */
    public static final double BIAS_LOG_AMPLITUDE = 0.3;
    /** Percentile used as the robust intensity scale. */
    public static final double ROBUST_PERCENTILE = 99.0;

    private AppearanceOps() {}

    /** SplitMix64 finaliser of a combination of values: a well-mixed seed for a sub-stream. */
    public static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long p : parts) {
            h ^= p + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
            h = fmix(h);
        }
        return h;
    }

    private static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Standard normal pairs from a SplittableRandom (Box-Muller), JDK-independent. */
    static final class Gauss {
        private final SplittableRandom rng;
        private double spare;
        private boolean has;

        Gauss(long seed) { rng = new SplittableRandom(seed); }

        double next() {
            if (has) { has = false; return spare; }
            double u1 = rng.nextDouble();
            double u2 = rng.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(1.0 - u1));
            double a = 2.0 * Math.PI * u2;
            spare = r * Math.sin(a);
            has = true;
            return r * Math.cos(a);
        }

        double uniform() { return rng.nextDouble(); }
        double uniform(double lo, double hi) { return lo + (hi - lo) * rng.nextDouble(); }
    }

    /** The given percentile (0..100) of the voxel values (nearest rank on a sorted copy). */
    public static double percentile(float[] d, double pct) {
        float[] c = d.clone();
        Arrays.sort(c);
        int k = (int) Math.round((pct / 100.0) * (c.length - 1));
        return c[Math.max(0, Math.min(c.length - 1, k))];
    }

    /** Robust intensity scale: the 99th percentile of |value|, at least a tiny positive number. */
    public static double robustScale(float[] d) {
        float[] a = new float[d.length];
        for (int i = 0; i < d.length; i++) a[i] = Math.abs(d[i]);
        double s = percentile(a, ROBUST_PERCENTILE);
        return s > 0 ? s : 1e-6;
    }

    // ---------------------------------------------------------------- blur

    /** Per-axis Gaussian sigma (mm) for the blur knob: blur * spacing_i / min(in-plane spacing). */
    public static double[] blurSigmasMm(double[] spacing, double blur) {
        double ref = Math.min(spacing[0], spacing[1]);
        return new double[] {blur * spacing[0] / ref, blur * spacing[1] / ref, blur * spacing[2] / ref};
    }

    /** Separable Gaussian blur with the given sigma in mm per axis (edges replicate). */
    public static Volume blurMm(Volume v, double[] sigmaMm) {
        double[] sp = v.spacing();
        float[] d = v.data().clone();
        int[] n = v.dims();
        float[] tmp = new float[d.length];
        for (int axis = 0; axis < 3; axis++) {
            double s = sigmaMm[axis] / sp[axis];
            if (s < 0.05 || n[axis] < 2) continue;
            blurAxis(d, tmp, n, axis, gaussianKernel(s));
            float[] t = d; d = tmp; tmp = t;
        }
        return v.withData(d);
    }

    private static float[] gaussianKernel(double sigmaVox) {
        int r = Math.max(1, (int) Math.ceil(3.0 * sigmaVox));
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) { double w = Math.exp(-0.5 * i * i / (sigmaVox * sigmaVox)); k[i + r] = (float) w; sum += w; }
        for (int i = 0; i < k.length; i++) k[i] /= (float) sum;
        return k;
    }

    private static void blurAxis(float[] src, float[] dst, int[] n, int axis, float[] k) {
        int nx = n[0], ny = n[1], nz = n[2];
        int len = n[axis];
        int stride = axis == 0 ? 1 : axis == 1 ? nx : nx * ny;
        int r = k.length / 2;
        // iterate over all lines along 'axis'
        int a = axis == 0 ? 1 : 0, b = axis == 2 ? 1 : 2;
        int na = n[a], nb = n[b];
        int sa = a == 0 ? 1 : a == 1 ? nx : nx * ny, sb = b == 0 ? 1 : b == 1 ? nx : nx * ny;
        float[] line = new float[len];
        for (int jb = 0; jb < nb; jb++) {
            for (int ja = 0; ja < na; ja++) {
                int base = ja * sa + jb * sb;
                for (int i = 0; i < len; i++) line[i] = src[base + i * stride];
                for (int i = 0; i < len; i++) {
                    double acc = 0;
                    for (int t = -r; t <= r; t++) {
                        int j = i + t;
                        if (j < 0) j = 0; else if (j >= len) j = len - 1;
                        acc += k[t + r] * line[j];
                    }
                    dst[base + i * stride] = (float) acc;
                }
            }
        }
    }

    // ---------------------------------------------------------------- bias

    /**
     * A smooth random unit field over the volume, max |F| = 1: a random combination of the
     * polynomials of degree 1 and 2 in the normalised physical coordinates (in-plane terms weighted
     * more than through-plane, as surface-coil shading is), plus one random low-frequency cosine.
     */
    public static float[] unitBiasField(int nx, int ny, int nz, double[] spacing, long seed) {
        Gauss g = new Gauss(mix(seed, 0xB1A5L));
        double ex = nx * spacing[0], ey = ny * spacing[1], ez = nz * spacing[2];
        double half = 0.5 * Math.max(ex, ey);
        double[] c = new double[9];
        double[] w = {1.0, 1.0, 0.5, 0.6, 0.6, 0.3, 0.5, 0.3, 0.3};
        for (int i = 0; i < c.length; i++) c[i] = w[i] * g.next();
        double kx = g.uniform(0.5, 1.5) * Math.PI / half, ky = g.uniform(0.5, 1.5) * Math.PI / half;
        double ph = g.uniform(0, 2 * Math.PI), amp = 0.4 * g.next();
        float[] f = new float[nx * ny * nz];
        double max = 1e-12;
        int i = 0;
        for (int z = 0; z < nz; z++) {
            double w3 = ((z + 0.5) * spacing[2] - 0.5 * ez) / half;
            for (int y = 0; y < ny; y++) {
                double v = ((y + 0.5) * spacing[1] - 0.5 * ey) / half;
                for (int x = 0; x < nx; x++, i++) {
                    double u = ((x + 0.5) * spacing[0] - 0.5 * ex) / half;
                    double val = c[0] * u + c[1] * v + c[2] * w3 + c[3] * u * u + c[4] * v * v + c[5] * w3 * w3
                            + c[6] * u * v + c[7] * u * w3 + c[8] * v * w3
                            + amp * Math.cos(kx * u * half + ky * v * half + ph);
                    f[i] = (float) val;
                    max = Math.max(max, Math.abs(val));
                }
            }
        }
        for (int j = 0; j < f.length; j++) f[j] /= (float) max;
        return f;
    }

    /** v * exp(logAmplitude * field). */
    public static Volume multiplyLogField(Volume v, float[] field, double logAmplitude) {
        float[] d = v.data();
        float[] o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = (float) (d[i] * Math.exp(logAmplitude * field[i]));
        return v.withData(o);
    }

    // ---------------------------------------------------------------- noise

    /** Rician noise: |v + n1 + i n2| with n1, n2 ~ N(0, sigma^2), seeded. sigma 0 returns a copy. */
    public static Volume addRician(Volume v, double sigma, long seed) {
        float[] d = v.data();
        if (sigma <= 0) return v.withData(d.clone());
        Gauss g = new Gauss(mix(seed, 0x5151L));
        float[] o = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            double re = d[i] + sigma * g.next();
            double im = sigma * g.next();
            o[i] = (float) Math.sqrt(re * re + im * im);
        }
        return v.withData(o);
    }

    // ---------------------------------------------------------------- intensity

    /**
     * Gamma on normalised intensities: x = (v - lo) / (hi - lo) with lo the minimum (0 if the image
     * is non-negative) and hi the robust scale; out = lo + (hi - lo) * max(x, 0)^gamma. Keeps lo and hi.
     */
    public static Volume gamma(Volume v, double gamma) {
        float[] d = v.data();
        double min = Double.MAX_VALUE;
        for (float f : d) min = Math.min(min, f);
        double lo = Math.min(0, min);
        float[] shifted = new float[d.length];
        for (int i = 0; i < d.length; i++) shifted[i] = (float) (d[i] - lo);
        double range = robustScale(shifted);
        float[] o = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            double x = Math.max(0, shifted[i] / range);
            o[i] = (float) (lo + range * Math.pow(x, gamma));
        }
        return v.withData(o);
    }

    /** scale * v + offset. */
    public static Volume scaleOffset(Volume v, double scale, double offset) {
        float[] d = v.data();
        float[] o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = (float) (scale * d[i] + offset);
        return v.withData(o);
    }
}
