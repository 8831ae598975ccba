package dev.unetscope.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The blocked kernels of {@link MixturePass} against the plain ones they replaced (kept here as the
 * reference): the same float32 additions in the same order, so every bit of every sum is the same.
 */
class MixturePassKernelsTest {
    private static final int[] DIMS = {1, 3, 4, 7, 32, 61, 256};

    /** The M step's outer products as before: row-major rows, out[a d + c], four rows per sweep of c. */
    static void weightedOuterReference(float[] x, float[] r, int rows, int d, float[] out) {
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            int o0 = i * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            float w0 = r[i], w1 = r[i + 1], w2 = r[i + 2], w3 = r[i + 3];
            for (int a = 0; a < d; a++) {
                float s0 = w0 * x[o0 + a], s1 = w1 * x[o1 + a], s2 = w2 * x[o2 + a], s3 = w3 * x[o3 + a];
                int oa = a * d;
                for (int c = a; c < d; c++) out[oa + c] += (s0 * x[o0 + c] + s1 * x[o1 + c]) + (s2 * x[o2 + c] + s3 * x[o3 + c]);
            }
        }
        for (; i < rows; i++) {
            int o = i * d;
            float w = r[i];
            for (int a = 0; a < d; a++) {
                float s = w * x[o + a];
                int oa = a * d;
                for (int c = a; c < d; c++) out[oa + c] += s * x[o + c];
            }
        }
    }

    /** The M step's weighted sums as before: row-major rows, four rows per sweep of q. */
    static void weightedSumReference(float[] x, float[] r, int rows, int d, float[] out) {
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            float w0 = r[i], w1 = r[i + 1], w2 = r[i + 2], w3 = r[i + 3];
            int o0 = i * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            for (int q = 0; q < d; q++) out[q] += (w0 * x[o0 + q] + w1 * x[o1 + q]) + (w2 * x[o2 + q] + w3 * x[o3 + q]);
        }
        for (; i < rows; i++) {
            float w = r[i];
            int o = i * d;
            for (int q = 0; q < d; q++) out[q] += w * x[o + q];
        }
    }

    static float[] gaussians(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (scale * rnd.nextGaussian());
        return v;
    }

    @Test
    void weightedSumsAndOuterProductsAreTheSameFloats() {
        Random rnd = new Random(11);
        for (int d : DIMS) {
            for (int rows : new int[] {1, 3, 4, 5, 8, 17, 63, 256}) {
                float[] x = gaussians(rnd, rows * d, 3);
                float[] r = new float[rows];
                for (int i = 0; i < rows; i++) r[i] = i % 5 == 2 ? 0f : rnd.nextFloat();
                float[] start = gaussians(rnd, d * d, 10); // sums already there: the kernel adds to them
                float[] expected = start.clone();
                weightedOuterReference(x, r, rows, d, expected);
                float[][] xr = new float[rows][d], out = new float[d][d];
                for (int i = 0; i < rows; i++) System.arraycopy(x, i * d, xr[i], 0, d);
                for (int a = 0; a < d; a++) System.arraycopy(start, a * d, out[a], 0, d);
                MixturePass.weightedOuter(xr, r, rows, d, out);
                float[] sumStart = gaussians(rnd, d, 10), sum = sumStart.clone(), sumExpected = sumStart.clone();
                weightedSumReference(x, r, rows, d, sumExpected);
                MixturePass.weightedSum(xr, r, rows, d, sum);
                for (int q = 0; q < d; q++) {
                    assertThat(Float.floatToRawIntBits(sum[q])).as("d %d rows %d sum [%d]", d, rows, q)
                            .isEqualTo(Float.floatToRawIntBits(sumExpected[q]));
                }
                for (int a = 0; a < d; a++) {
                    for (int c = a; c < d; c++) {
                        assertThat(Float.floatToRawIntBits(out[a][c])).as("d %d rows %d [%d][%d]", d, rows, a, c)
                                .isEqualTo(Float.floatToRawIntBits(expected[a * d + c]));
                    }
                }
            }
        }
    }
}
