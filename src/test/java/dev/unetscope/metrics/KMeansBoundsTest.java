package dev.unetscope.metrics;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CPU k-means's shortcuts change nothing: a Lloyd pass with Hamerly's bounds gives the same
 * labels, sums, sizes and inertia (bit for bit) as a pass computing every distance, and the
 * k-means++ potential terms with the triangle-inequality skip equal min(distance, closest).
 */
class KMeansBoundsTest {
    @Test
    void boundedPassesEqualFullPasses() {
        int n = 5000, d = 12, k = 6; // 20 blocks in 2 groups, the last block partial
        // sorted by blob, so whole blocks can be skipped, plus a noisy tail that cannot
        float[] x = new float[n * d];
        Random r = new Random(3);
        for (int i = 0; i < n; i++) {
            int blob = i < 4000 ? i / 800 : r.nextInt(k);
            double sd = i < 4000 ? 0.3 : 3;
            for (int q = 0; q < d; q++) x[i * d + q] = (float) (5 * ((blob + q) % 3) + sd * r.nextGaussian());
        }
        FeatureMatrix m = new FeatureMatrix(x, n, d);
        CpuFeatures f = new CpuFeatures(m, EngineFeatures.toFloat(m.columnMeans()));
        double[] centers = new double[k * d];
        for (int j = 0; j < k; j++) for (int q = 0; q < d; q++) centers[j * d + q] = f.blocks[(j * 800 + 1) / CpuFeatures.BLOCK][q][(j * 800 + 1) % CpuFeatures.BLOCK];
        KMeans.Bounds bounds = new KMeans.Bounds(n);
        int[] prev = null;
        for (int step = 0; step < 6; step++) {
            int[] a = new int[n], b = new int[n];
            KMeans.Pass withBounds = KMeans.pass(f, centers, k, a, prev, bounds, true);
            KMeans.Pass full = KMeans.pass(f, centers, k, b, prev);
            assertThat(a).isEqualTo(b);
            assertThat(withBounds.sums()).isEqualTo(full.sums());
            assertThat(withBounds.counts()).isEqualTo(full.counts());
            assertThat(withBounds.inertia()).isEqualTo(full.inertia());
            assertThat(withBounds.changed()).isEqualTo(full.changed());
            prev = a;
            // move every centre a little (smaller and smaller), as Lloyd's iterations do
            for (int i = 0; i < centers.length; i++) centers[i] += 0.5 * r.nextGaussian() / (1 << step);
        }
    }

    @Test
    void seedingSkipEqualsEveryDistance() {
        FeatureMatrix m = ClusterBenchmark.blobs(3000, 7, 5, 11).x();
        CpuFeatures f = new CpuFeatures(m, EngineFeatures.toFloat(m.columnMeans()));
        int d = m.d();
        int[] chosenRows = {5, 17};
        float[] chosen = new float[5 * d];
        for (int a = 0; a < chosenRows.length; a++) for (int q = 0; q < d; q++) chosen[a * d + q] = m.data()[chosenRows[a] * d + q] - f.shift[q];
        float[][] toChosen = KMeans.distancesTo(f, chosenRows, m);
        float[] closest = new float[m.n()];
        int[] nearest = new int[m.n()];
        for (int i = 0; i < m.n(); i++) {
            nearest[i] = toChosen[1][i] < toChosen[0][i] ? 1 : 0;
            closest[i] = Math.min(toChosen[0][i], toChosen[1][i]);
        }
        int[] candidates = {5, 2, 1000, 2999}; // a chosen row itself, rows of other blobs
        float[][] skipped = KMeans.closerOf(f, candidates, m, closest, nearest, chosen, 2);
        float[][] all = KMeans.distancesTo(f, candidates, m);
        for (int t = 0; t < candidates.length; t++) {
            for (int i = 0; i < m.n(); i++) assertThat(skipped[t][i]).as("candidate %d row %d", t, i).isEqualTo(Math.min(all[t][i], closest[i]));
        }
    }
}
