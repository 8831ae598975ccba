package dev.unetscope.features;

import dev.unetscope.data.PreparedSet;
import dev.unetscope.model.SegmentationNetwork;

import java.util.Random;

/**
 * The quantity the seed's roughness stands for: the Frobenius norm of the Jacobian of a layer's
 * (standardised) features with respect to the input image, at the sampled positions, estimated with
 * random projections through the engine's autograd (Hutchinson's estimator).
 *
 * <p>For one case with sampled positions x_1..x_n, let J be the stacked Jacobian (n C rows: position
 * i's layer voxel, channel c, divided by the channel's training scale s_c; one column per input
 * voxel). A probe field v holds an independent standard normal C-vector at each sampled position (two
 * positions in the same layer voxel add theirs) and zero elsewhere; one backward pass of
 * {@code sum_i v_i . z(x_i)} gives g = J^T v, and q = ||g||^2 has E q = ||J||_F^2 = sum_i ||J_i||_F^2
 * (cross terms vanish in expectation) and, v being Gaussian, Var q = 2 ||J J^T||_F^2. With K probe
 * fields the mean of q has relative standard deviation sqrt(2 ||J J^T||_F^2 / K) / ||J||_F^2: at most
 * sqrt(2 / K), and about sqrt(2 / (K r)) when J J^T has r comparable eigenvalues (positions whose
 * receptive fields do not overlap are independent directions).
 *
 * <p>The value per layer is the root mean square, over sampled positions and output channels, of
 * the per-channel gradient norm: sqrt(sum q / (K n C)). The mean over positions of ||J_i||_F itself is
 * not what the estimator sees (it needs each position's norm apart, one backward pass per position);
 * the mean square is, and it is unbiased before the square root. Dividing by C makes layers of
 * different widths compare; dividing each channel by its training scale makes it the Jacobian of the
 * standardised features the other scores use, so a channel's arbitrary scale does not count.
 */
public final class JacobianNorm {
    private JacobianNorm() {}

    /**
     * One layer's probe values on one set.
     *
     * @param values    per case, the K values q_k = ||J^T v_k||^2
     * @param positions per case, the sampled positions n
     * @param channels  C
     */
    public record Probes(String layer, int channels, double[][] values, int[] positions) {
        /** The case's root mean square per-channel gradient norm, sqrt(mean_k q_k / (n C)); NaN without positions. */
        public double caseValue(int c) {
            return positions[c] == 0 ? Double.NaN : Math.sqrt(mean(values[c]) / ((double) positions[c] * channels));
        }

        /** The same over every case's positions: sqrt(sum_cases mean_k q_k / (N C)). */
        public double setValue() {
            double sum = 0;
            long n = 0;
            for (int c = 0; c < values.length; c++) {
                sum += mean(values[c]);
                n += positions[c];
            }
            return n == 0 ? Double.NaN : Math.sqrt(sum / ((double) n * channels));
        }

        /** The relative standard deviation of one probe's q around the case's mean, averaged over cases (K of at least 2). */
        public double relativeSd() {
            double sum = 0;
            int n = 0;
            for (double[] q : values) {
                if (q.length < 2) continue;
                double m = mean(q), ss = 0;
                for (double v : q) ss += (v - m) * (v - m);
                if (m > 0) {
                    sum += Math.sqrt(ss / (q.length - 1)) / m;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /**
     * The probe values of layer {@code layer} on the cases of {@code set} at the positions of
     * {@code sample} (the feature extractor's). {@code scale} is the layer's per-channel training
     * scale (null: 1). The K probe fields of a case go through the network as one batch; each
     * field's Gaussians are drawn from a generator seeded by (seed, case id, layer, probe).
     *
     * @throws UnsupportedOperationException when the network gives no input gradients
     */
    public static Probes estimate(SegmentationNetwork net, PreparedSet set, FeatureSample sample, String layer, double[] scale, int probes, long seed) {
        SegmentationNetwork.Tap tap = net.tap(layer);
        if (tap == null) throw new IllegalArgumentException("no layer named " + layer);
        int cases = set.size(), ch = tap.channels();
        int[] count = new int[cases];
        for (int ci : sample.caseOf()) count[ci]++;
        double[][] values = new double[cases][probes];
        int start = 0;
        for (int ci = 0; ci < cases; ci++) {
            int[] dims = set.dims(ci);
            int d = dims[0], h = dims[1], w = dims[2], vox = d * h * w;
            int td = ceilDiv(d, tap.sd()), th = ceilDiv(h, tap.sh()), tw = ceilDiv(w, tap.sw()), plane = td * th * tw;
            float[] cot = new float[probes * ch * plane];
            for (int k = 0; k < probes; k++) {
                Random r = new Random(seed * 1_000_003L + (set.ids().get(ci) + "/" + layer + "/" + k).hashCode());
                for (int i = start; i < start + count[ci]; i++) {
                    int z = sample.positions()[3 * i], y = sample.positions()[3 * i + 1], x = sample.positions()[3 * i + 2];
                    int cell = ((z / tap.sd()) * th + y / tap.sh()) * tw + x / tap.sw();
                    for (int c = 0; c < ch; c++) cot[(k * ch + c) * plane + cell] += (float) (r.nextGaussian() / (scale == null ? 1 : scale[c]));
                }
            }
            if (count[ci] > 0) {
                float[] img = set.images().get(ci);
                float[] batch = new float[probes * vox];
                for (int k = 0; k < probes; k++) System.arraycopy(img, 0, batch, k * vox, vox);
                float[] g = net.tapInputGradient(batch, probes, d, h, w, layer, cot);
                int per = g.length / probes;
                for (int k = 0; k < probes; k++) {
                    double q = 0;
                    for (int j = k * per; j < (k + 1) * per; j++) q += (double) g[j] * g[j];
                    values[ci][k] = q;
                }
            }
            start += count[ci];
        }
        return new Probes(layer, ch, values, count);
    }

    private static double mean(double[] q) {
        double s = 0;
        for (double v : q) s += v;
        return q.length == 0 ? Double.NaN : s / q.length;
    }

    private static int ceilDiv(int n, int m) {
        return (n + m - 1) / m;
    }
}
