package dev.unetscope.features;

import dev.unetscope.data.PreparedSet;
import dev.unetscope.model.SegmentationNetwork;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** {@link #estimate(SegmentationNetwork, PreparedSet, FeatureSample, Map, int, long)} of one layer. */
    public static Probes estimate(SegmentationNetwork net, PreparedSet set, FeatureSample sample, String layer, double[] scale, int probes, long seed) {
        Map<String, double[]> scales = new LinkedHashMap<>();
        scales.put(layer, scale);
        return estimate(net, set, sample, scales, probes, seed).get(layer);
    }

    /**
     * The probe values of each layer of {@code scales} (its per-channel training scale; a null array:
     * 1) on the cases of {@code set} at the positions of {@code sample} (the feature extractor's). The K
     * probe fields of a case go through the network as K copies of it, and consecutive cases of the
     * same dims share the pass ({@link #COPIES_PER_PASS} copies at most): one forward pass of the batch,
     * then one backward pass per layer ({@link SegmentationNetwork#tapInputGradients}); each copy's
     * gradient depends only on its own image and field. Each field's Gaussians come from a generator
     * seeded by (seed, case id, layer, probe).
     *
     * @throws UnsupportedOperationException when the network gives no input gradients
     */
    public static Map<String, Probes> estimate(SegmentationNetwork net, PreparedSet set, FeatureSample sample, Map<String, double[]> scales,
                                               int probes, long seed) {
        return estimate(net, set, sample, scales, probes, seed, Math.max(1, COPIES_PER_PASS / Math.max(1, probes)));
    }

    /**
     * Input copies per pass: batching cases spreads the per-call cost of the engine and its small
     * convolutions (the demo's 24 x 64 x 64 volumes, six taps, 2 threads: one validation set's
     * estimate took 1.81 s of CPU at one case a pass, 1.55 s at two, 1.47 s at four, medians of four);
     * the retained graph grows with the batch, so it stays small.
     */
    static final int COPIES_PER_PASS = 4;

    /** As above with at most {@code casesPerPass} cases in one pass. */
    static Map<String, Probes> estimate(SegmentationNetwork net, PreparedSet set, FeatureSample sample, Map<String, double[]> scales,
                                        int probes, long seed, int casesPerPass) {
        int cases = set.size();
        int[] count = new int[cases];
        for (int ci : sample.caseOf()) count[ci]++;
        int[] first = new int[cases + 1];
        for (int ci = 0; ci < cases; ci++) first[ci + 1] = first[ci] + count[ci];
        Map<String, double[][]> values = new LinkedHashMap<>();
        for (String l : scales.keySet()) {
            if (net.tap(l) == null) throw new IllegalArgumentException("no layer named " + l);
            values.put(l, new double[cases][probes]);
        }
        List<Integer> group = new ArrayList<>();
        for (int ci = 0; ci <= cases; ci++) {
            boolean fits = ci < cases && count[ci] > 0 && (group.isEmpty() || (group.size() < casesPerPass && Arrays.equals(set.dims(group.get(0)), set.dims(ci))));
            if (!group.isEmpty() && !fits && (ci == cases || count[ci] > 0)) {
                pass(net, set, sample, scales, probes, seed, group, first, count, values);
                group.clear();
            }
            if (ci < cases && count[ci] > 0) group.add(ci);
        }
        Map<String, Probes> out = new LinkedHashMap<>();
        for (String l : scales.keySet()) out.put(l, new Probes(l, net.tap(l).channels(), values.get(l), count));
        return out;
    }

    /** One forward pass of the K copies of each case of {@code group} (same dims), one backward pass per layer; fills their q values. */
    private static void pass(SegmentationNetwork net, PreparedSet set, FeatureSample sample, Map<String, double[]> scales, int probes, long seed,
                             List<Integer> group, int[] first, int[] count, Map<String, double[][]> values) {
        int[] dims = set.dims(group.get(0));
        int d = dims[0], h = dims[1], w = dims[2], vox = d * h * w, copies = group.size() * probes;
        Map<String, float[]> cotangents = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : scales.entrySet()) {
            float[] all = null;
            for (int g = 0; g < group.size(); g++) {
                int ci = group.get(g);
                float[] f = probeField(net.tap(e.getKey()), e.getValue(), sample, first[ci], count[ci], d, h, w, probes, seed, set.ids().get(ci));
                if (all == null) all = new float[f.length * group.size()];
                System.arraycopy(f, 0, all, g * f.length, f.length);
            }
            cotangents.put(e.getKey(), all);
        }
        int in = set.channels() * vox; // every input channel: the gradient is over all of them
        float[] batch = new float[copies * in];
        for (int g = 0; g < group.size(); g++) {
            float[] img = set.images().get(group.get(g));
            for (int k = 0; k < probes; k++) System.arraycopy(img, 0, batch, (g * probes + k) * in, in);
        }
        Map<String, float[]> grads = net.tapInputGradients(batch, copies, d, h, w, cotangents);
        for (String l : scales.keySet()) {
            float[] gr = grads.get(l);
            int per = gr.length / copies;
            for (int g = 0; g < group.size(); g++) {
                for (int k = 0; k < probes; k++) {
                    double q = 0;
                    int from = (g * probes + k) * per;
                    for (int j = from; j < from + per; j++) q += (double) gr[j] * gr[j];
                    values.get(l)[group.get(g)][k] = q;
                }
            }
        }
    }

    /** K fields on the tap grid: at each of the case's positions an independent standard normal C-vector divided by the channels' scale. */
    private static float[] probeField(SegmentationNetwork.Tap tap, double[] scale, FeatureSample sample, int start, int n, int d, int h, int w,
                                      int probes, long seed, String caseId) {
        int ch = tap.channels(), th = ceilDiv(h, tap.sh()), tw = ceilDiv(w, tap.sw()), plane = ceilDiv(d, tap.sd()) * th * tw;
        float[] cot = new float[probes * ch * plane];
        for (int k = 0; k < probes; k++) {
            Random r = new Random(seed * 1_000_003L + (caseId + "/" + tap.name() + "/" + k).hashCode());
            for (int i = start; i < start + n; i++) {
                int z = sample.positions()[3 * i], y = sample.positions()[3 * i + 1], x = sample.positions()[3 * i + 2];
                int cell = ((z / tap.sd()) * th + y / tap.sh()) * tw + x / tap.sw();
                for (int c = 0; c < ch; c++) cot[(k * ch + c) * plane + cell] += (float) (r.nextGaussian() / (scale == null ? 1 : scale[c]));
            }
        }
        return cot;
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
