package dev.unetscope.report;

import dev.unetscope.features.LayerSample;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.Arrays;

/**
 * Three principal components of a layer's (standardised) training features, used to turn a
 * feature map into RGB with the same projection for every case, so a colour means the same thing
 * across cases and shifts. Each component's 1st and 99th training percentiles map to 0 and 255.
 */
public final class Pca {
    private final int d;
    private final double[] mean;
    private final double[][] components; // 3 x d
    private final double[] lo = new double[3], hi = new double[3];

    private Pca(int d, double[] mean, double[][] components) {
        this.d = d;
        this.mean = mean;
        this.components = components;
    }

    public static Pca fit(LayerSample train) {
        int d = train.channels(), n = train.n();
        float[] x = train.data();
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += x[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        DMatrixRMaj cov = new DMatrixRMaj(d, d);
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                double ra = x[i * d + a] - mean[a];
                for (int b = a; b < d; b++) cov.data[a * d + b] += ra * (x[i * d + b] - mean[b]);
            }
        }
        for (int a = 0; a < d; a++) for (int b = a; b < d; b++) cov.data[b * d + a] = cov.data[a * d + b] /= n;
        double[][] comps = new double[3][d];
        if (d >= 1) {
            EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
            if (eig.decompose(cov)) {
                Integer[] order = new Integer[d];
                for (int i = 0; i < d; i++) order[i] = i;
                Arrays.sort(order, (p, q) -> Double.compare(eig.getEigenvalue(q).getReal(), eig.getEigenvalue(p).getReal()));
                for (int c = 0; c < Math.min(3, d); c++) {
                    DMatrixRMaj v = eig.getEigenVector(order[c]);
                    // a fixed sign (largest entry positive) so colours do not flip between checkpoints by chance
                    int arg = 0;
                    for (int j = 1; j < d; j++) if (Math.abs(v.get(j)) > Math.abs(v.get(arg))) arg = j;
                    double sign = v.get(arg) < 0 ? -1 : 1;
                    for (int j = 0; j < d; j++) comps[c][j] = sign * v.get(j);
                }
            }
        }
        Pca p = new Pca(d, mean, comps);
        double[][] proj = new double[3][n];
        for (int i = 0; i < n; i++) {
            double[] y = p.project(x, i * d);
            for (int c = 0; c < 3; c++) proj[c][i] = y[c];
        }
        for (int c = 0; c < 3; c++) {
            Arrays.sort(proj[c]);
            p.lo[c] = proj[c][(int) (0.01 * (n - 1))];
            p.hi[c] = proj[c][(int) (0.99 * (n - 1))];
            if (!(p.hi[c] > p.lo[c])) p.hi[c] = p.lo[c] + 1;
        }
        return p;
    }

    double[] project(float[] x, int offset) {
        double[] y = new double[3];
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += (x[offset + j] - mean[j]) * components[c][j];
            y[c] = s;
        }
        return y;
    }

    /** RGB of one feature vector (packed 0xRRGGBB). */
    public int rgb(float[] x, int offset) {
        double[] y = project(x, offset);
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
            int v = (int) Math.round(255 * Math.max(0, Math.min(1, (y[c] - lo[c]) / (hi[c] - lo[c]))));
            rgb = (rgb << 8) | v;
        }
        return rgb;
    }
}
