package dev.unetscope.metrics;

import java.util.List;

/**
 * One pass of a Gaussian mixture's EM over {@link CpuFeatures} blocks, in plain Java on the CPU:
 * the E step's log-densities and responsibilities and the M step's weighted moments, or the
 * log-likelihood of every row alone. The E step runs on the column-major blocks (each loop a SIMD
 * sweep over a block's 256 rows); the M step's sums run over the block's rows with a non-zero
 * responsibility, copied row-major from the input (each loop a SIMD sweep over the d coordinates,
 * four rows per sweep), since a sum over rows would be a serial float reduction. Per-block sums are float32, added into double per block.
 *
 * <p>Blocks are split into fixed groups (at most 16 blocks each, at least 16 groups where there are
 * 16 blocks) run in parallel and reduced in group order: the numbers do not depend on the thread count.
 */
final class MixturePass {
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private MixturePass() {}

    /** The parameters as the kernels read them: float32 means and precision factors, double constants. */
    private record Kernel(CovarianceType type, int k, int d, float[] means, float[] precisions, double[] cst) {
        /**
         * diagonal: precisions[j d + q] = 1/sqrt(variance); full: precisions[j d d + c d + a] = P[a][c]
         * (column c of P contiguous; P upper triangular, so a <= c). cst[j] = log w_j - d/2 log 2pi + log det P.
         */
        static Kernel of(Components p) {
            int k = p.k(), d = p.d();
            float[] m = EngineFeatures.toFloat(p.means());
            float[] prec = new float[p.precisionsCholesky().length];
            double[] cst = new double[k];
            for (int j = 0; j < k; j++) {
                cst[j] = Math.log(p.weights()[j]) - 0.5 * d * LOG_2PI + p.logDet()[j];
                if (p.type() == CovarianceType.DIAGONAL) {
                    for (int q = 0; q < d; q++) prec[j * d + q] = (float) p.precisionsCholesky()[j * d + q];
                } else {
                    int o = j * d * d;
                    for (int a = 0; a < d; a++) {
                        for (int c = 0; c < d; c++) prec[o + c * d + a] = (float) p.precisionsCholesky()[o + a * d + c];
                    }
                }
            }
            return new Kernel(p.type(), k, d, m, prec, cst);
        }
    }

    /** Blocks per parallel group: at most {@link CpuFeatures#GROUP}, fewer so that there are at least 16 groups. */
    static int groupSize(int blocks) {
        return Math.max(1, Math.min(CpuFeatures.GROUP, (blocks + 15) / 16));
    }

    private static <T> List<T> perGroup(CpuFeatures f, java.util.function.BiFunction<Integer, Integer, T> task) {
        int nb = f.blocks.length, g = groupSize(nb);
        int groups = (nb + g - 1) / g;
        java.util.stream.IntStream s = java.util.stream.IntStream.range(0, groups);
        if (groups > 1) s = s.parallel();
        return s.mapToObj(i -> task.apply(i * g, Math.min(nb, (i + 1) * g))).toList();
    }

    /** Into maha[j][i] the squared whitened distance |(x - mu_j) P_j|^2 of block b's row i to component j (float32). */
    private static void whitened(CpuFeatures f, int b, Kernel kn, float[][] maha, float[][] diff, float[] y) {
        int d = f.d, B = CpuFeatures.BLOCK;
        float[][] blk = f.blocks[b];
        for (int j = 0; j < kn.k; j++) {
            float[] acc = maha[j];
            int mj = j * d;
            if (kn.type == CovarianceType.DIAGONAL) {
                int q = 0;
                // the first four coordinates' sum written, not added to zeros (the same floats): after
                // Arrays.fill, C2 vectorised these loops poorly (as CpuFeatures.distances)
                if (d >= 4) {
                    float m0 = kn.means[mj], m1 = kn.means[mj + 1], m2 = kn.means[mj + 2], m3 = kn.means[mj + 3];
                    float p0 = kn.precisions[mj], p1 = kn.precisions[mj + 1], p2 = kn.precisions[mj + 2], p3 = kn.precisions[mj + 3];
                    float[] x0 = blk[0], x1 = blk[1], x2 = blk[2], x3 = blk[3];
                    for (int i = 0; i < B; i++) {
                        float t0 = (x0[i] - m0) * p0, t1 = (x1[i] - m1) * p1, t2 = (x2[i] - m2) * p2, t3 = (x3[i] - m3) * p3;
                        acc[i] = (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3);
                    }
                    q = 4;
                } else {
                    java.util.Arrays.fill(acc, 0f);
                }
                for (; q + 4 <= d; q += 4) {
                    float m0 = kn.means[mj + q], m1 = kn.means[mj + q + 1], m2 = kn.means[mj + q + 2], m3 = kn.means[mj + q + 3];
                    float p0 = kn.precisions[mj + q], p1 = kn.precisions[mj + q + 1];
                    float p2 = kn.precisions[mj + q + 2], p3 = kn.precisions[mj + q + 3];
                    float[] x0 = blk[q], x1 = blk[q + 1], x2 = blk[q + 2], x3 = blk[q + 3];
                    for (int i = 0; i < B; i++) {
                        float t0 = (x0[i] - m0) * p0, t1 = (x1[i] - m1) * p1, t2 = (x2[i] - m2) * p2, t3 = (x3[i] - m3) * p3;
                        acc[i] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3);
                    }
                }
                for (; q < d; q++) {
                    float m = kn.means[mj + q], p = kn.precisions[mj + q];
                    float[] x = blk[q];
                    for (int i = 0; i < B; i++) {
                        float t = (x[i] - m) * p;
                        acc[i] += t * t;
                    }
                }
            } else {
                java.util.Arrays.fill(acc, 0f);
                for (int a = 0; a < d; a++) {
                    float m = kn.means[mj + a];
                    float[] x = blk[a], t = diff[a];
                    for (int i = 0; i < B; i++) t[i] = x[i] - m;
                }
                int pj = j * d * d;
                for (int c = 0; c < d; c++) { // y = (x - mu) P, column c: sum over a <= c
                    java.util.Arrays.fill(y, 0f);
                    int pc = pj + c * d, a = 0;
                    for (; a + 4 <= c + 1; a += 4) {
                        float p0 = kn.precisions[pc + a], p1 = kn.precisions[pc + a + 1];
                        float p2 = kn.precisions[pc + a + 2], p3 = kn.precisions[pc + a + 3];
                        float[] t0 = diff[a], t1 = diff[a + 1], t2 = diff[a + 2], t3 = diff[a + 3];
                        for (int i = 0; i < B; i++) y[i] += (t0[i] * p0 + t1[i] * p1) + (t2[i] * p2 + t3[i] * p3);
                    }
                    for (; a <= c; a++) {
                        float p = kn.precisions[pc + a];
                        float[] t = diff[a];
                        for (int i = 0; i < B; i++) y[i] += t[i] * p;
                    }
                    for (int i = 0; i < B; i++) acc[i] += y[i] * y[i];
                }
            }
        }
    }

    /** Scratch of one group's E step. */
    private static final class Scratch {
        final float[][] maha;
        final float[][] diff;
        final float[] y;
        final double[] joint;

        Scratch(int k, int d, boolean full) {
            maha = new float[k][CpuFeatures.BLOCK];
            diff = full ? new float[d][CpuFeatures.BLOCK] : null;
            y = full ? new float[CpuFeatures.BLOCK] : null;
            joint = new double[k];
        }
    }

    /**
     * Responsibilities of block b's rows (into resp[j][i], 0 on padding rows) and the sum of their
     * log-likelihoods (log-sum-exp over components of log w_j + log N_j).
     */
    private static double eStep(CpuFeatures f, int b, Kernel kn, Scratch s, float[][] resp) {
        whitened(f, b, kn, s.maha, s.diff, s.y);
        int k = kn.k, rows = f.rows(b);
        double ll = 0;
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                double v = kn.cst[j] - 0.5 * s.maha[j][i];
                s.joint[j] = v;
                if (v > max) max = v;
            }
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(s.joint[j] - max);
            double lse = max + Math.log(sum);
            ll += lse;
            if (resp != null) for (int j = 0; j < k; j++) resp[j][i] = (float) Math.exp(s.joint[j] - lse);
        }
        if (resp != null) for (int j = 0; j < k; j++) java.util.Arrays.fill(resp[j], rows, CpuFeatures.BLOCK, 0f);
        return ll;
    }

    /** Log-likelihood of every row under the mixture p (shifted coordinates). */
    static double[] scoreSamples(CpuFeatures f, Components p) {
        Kernel kn = Kernel.of(p);
        double[] out = new double[f.n];
        perGroup(f, (b0, b1) -> {
            Scratch s = new Scratch(kn.k, kn.d, kn.type == CovarianceType.FULL);
            for (int b = b0; b < b1; b++) {
                whitened(f, b, kn, s.maha, s.diff, s.y);
                int r0 = b * CpuFeatures.BLOCK;
                for (int i = 0; i < f.rows(b); i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < kn.k; j++) {
                        s.joint[j] = kn.cst[j] - 0.5 * s.maha[j][i];
                        max = Math.max(max, s.joint[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < kn.k; j++) sum += Math.exp(s.joint[j] - max);
                    out[r0 + i] = max + Math.log(sum);
                }
            }
            return b0;
        });
        return out;
    }

    /**
     * One pass: responsibilities from the components p (E step), or one-hot from labels when p is
     * null; their sums, the weighted sums of x and the weighted second moments (diagonal: of x
     * itself; full: of x minus the reference means ref, for accuracy), and the E step's total
     * log-likelihood (0 with labels).
     */
    static GaussianMixture.Statistics pass(CpuFeatures f, CovarianceType type, int k, Components p, int[] labels, double[] ref) {
        int d = f.d, B = CpuFeatures.BLOCK;
        boolean full = type == CovarianceType.FULL;
        Kernel kn = p == null ? null : Kernel.of(p);
        float[] refF = full ? EngineFeatures.toFloat(ref) : null;
        float[][] refRows = new float[k][];
        for (int j = 0; full && j < k; j++) refRows[j] = java.util.Arrays.copyOfRange(refF, j * d, (j + 1) * d);
        float[] src = f.source.data(), shift = f.shift;
        int secondLen = full ? k * d * d : k * d;
        List<GaussianMixture.Statistics> parts = perGroup(f, (b0, b1) -> {
            double[] nk = new double[k], sumX = new double[k * d], second = new double[secondLen];
            double ll = 0;
            Scratch s = kn == null ? null : new Scratch(k, d, full);
            float[][] resp = new float[k][B];
            float[][] packed = new float[B][d]; // the rows with a non-zero responsibility (full: minus ref_j)
            int[] kept = new int[B];
            float[] w = new float[B];
            float[] s1 = new float[d];
            float[] s2 = new float[d];
            float[][] outer = full ? new float[d][d] : null;
            for (int b = b0; b < b1; b++) {
                int rows = f.rows(b), r0 = b * B;
                if (kn == null) {
                    for (int j = 0; j < k; j++) java.util.Arrays.fill(resp[j], 0f);
                    for (int i = 0; i < rows; i++) resp[labels[r0 + i]][i] = 1f;
                } else {
                    ll += eStep(f, b, kn, s, resp);
                }
                for (int j = 0; j < k; j++) {
                    float[] r = resp[j];
                    double sr = 0;
                    int m = 0;
                    // rows whose responsibility underflowed to 0 add exactly nothing: gather the others
                    for (int i = 0; i < rows; i++) {
                        sr += r[i];
                        if (r[i] != 0f) {
                            kept[m] = i;
                            w[m++] = r[i];
                        }
                    }
                    nk[j] += sr;
                    if (m == 0) continue;
                    // the kept rows, row-major, from the input (x - shift: the same floats as the blocks hold)
                    // (copied first: a loop reading src[o + q] at an invariant offset o is not vectorised)
                    for (int t = 0; t < m; t++) {
                        float[] row = packed[t];
                        System.arraycopy(src, (r0 + kept[t]) * d, row, 0, d);
                        if (full) {
                            float[] rj = refRows[j];
                            for (int q = 0; q < d; q++) row[q] = (row[q] - shift[q]) - rj[q];
                        } else {
                            for (int q = 0; q < d; q++) row[q] = row[q] - shift[q];
                        }
                    }
                    java.util.Arrays.fill(s1, 0f);
                    java.util.Arrays.fill(s2, 0f);
                    if (full) {
                        for (float[] row : outer) java.util.Arrays.fill(row, 0f);
                        weightedOuter(packed, w, m, d, outer);
                        int o = j * d * d;
                        for (int a = 0; a < d; a++) {
                            float[] row = outer[a];
                            for (int c = a; c < d; c++) second[o + a * d + c] += row[c];
                        }
                        // sum r x = sum r (x - ref) + ref sum r, in double
                        weightedSum(packed, w, m, d, s1);
                        for (int q = 0; q < d; q++) sumX[j * d + q] += s1[q] + refF[j * d + q] * sr;
                    } else {
                        weightedSum(packed, w, m, d, s1);
                        for (int t = 0; t < m; t++) {
                            float[] row = packed[t];
                            for (int q = 0; q < d; q++) row[q] *= row[q];
                        }
                        weightedSum(packed, w, m, d, s2);
                        for (int q = 0; q < d; q++) {
                            sumX[j * d + q] += s1[q];
                            second[j * d + q] += s2[q];
                        }
                    }
                }
            }
            return new GaussianMixture.Statistics(k, d, nk, sumX, second, ll);
        });
        double[] nk = new double[k], sumX = new double[k * d], second = new double[secondLen];
        double ll = 0;
        for (GaussianMixture.Statistics part : parts) { // in group order: the same on any number of threads
            KMeans.add(nk, part.nk());
            KMeans.add(sumX, part.sumX());
            KMeans.add(second, part.second());
            ll += part.logLikelihoodSum();
        }
        if (full) { // only the upper triangle was summed
            for (int j = 0; j < k; j++) {
                int o = j * d * d;
                for (int a = 0; a < d; a++) for (int c = a + 1; c < d; c++) second[o + c * d + a] = second[o + a * d + c];
            }
        }
        return new GaussianMixture.Statistics(k, d, nk, sumX, second, ll);
    }

    /** out[q] += sum over rows i of r[i] x[i][q]; four rows per sweep of q. */
    static void weightedSum(float[][] x, float[] r, int rows, int d, float[] out) {
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            float w0 = r[i], w1 = r[i + 1], w2 = r[i + 2], w3 = r[i + 3];
            float[] x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
            for (int q = 0; q < d; q++) out[q] += (w0 * x0[q] + w1 * x1[q]) + (w2 * x2[q] + w3 * x3[q]);
        }
        for (; i < rows; i++) {
            float w = r[i];
            float[] x0 = x[i];
            for (int q = 0; q < d; q++) out[q] += w * x0[q];
        }
    }

    /**
     * out[a][c] += sum over rows i of r[i] x[i][a] x[i][c], for c >= a (the upper triangle); four rows per
     * sweep of c. Rows and out rows are separate arrays: C2 vectorises a loop only over arrays indexed
     * by the loop variable alone (x[o + c] with an invariant o was compiled to scalar code).
     */
    static void weightedOuter(float[][] x, float[] r, int rows, int d, float[][] out) {
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            float[] x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
            float w0 = r[i], w1 = r[i + 1], w2 = r[i + 2], w3 = r[i + 3];
            for (int a = 0; a < d; a++) {
                float s0 = w0 * x0[a], s1 = w1 * x1[a], s2 = w2 * x2[a], s3 = w3 * x3[a];
                float[] o = out[a];
                for (int c = a; c < d; c++) o[c] += (s0 * x0[c] + s1 * x1[c]) + (s2 * x2[c] + s3 * x3[c]);
            }
        }
        for (; i < rows; i++) {
            float[] x0 = x[i];
            float w = r[i];
            for (int a = 0; a < d; a++) {
                float s = w * x0[a];
                float[] o = out[a];
                for (int c = a; c < d; c++) o[c] += s * x0[c];
            }
        }
    }
}
