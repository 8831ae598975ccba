package dev.unetscope.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

class KMeansTest {

    // two obvious clusters: around (0,0) and (10,10)
    static final FeatureMatrix TWO = FeatureMatrix.of(new float[][] {
            {0, 0}, {0, 2}, {2, 0}, {2, 2}, {10, 10}, {10, 12}, {12, 10}, {12, 12}, {11, 11}});

    @Test
    void twoObviousClusters() {
        KMeansModel m = new KMeans(2, 5).fit(TWO);
        int a = m.labels()[0], b = m.labels()[4];
        assertThat(a).isNotEqualTo(b);
        assertThat(m.labels()).containsExactly(a, a, a, a, b, b, b, b, b);
        // centroids (1,1) and (11,11); inertia: 4 corners at squared distance 2 each, twice, plus 0 for (11,11)
        assertThat(m.centroids()[a * 2]).isCloseTo(1f, within(1e-5f));
        assertThat(m.centroids()[a * 2 + 1]).isCloseTo(1f, within(1e-5f));
        assertThat(m.centroids()[b * 2]).isCloseTo(11f, within(1e-5f));
        assertThat(m.centroids()[b * 2 + 1]).isCloseTo(11f, within(1e-5f));
        assertThat(m.inertia()).isCloseTo(16.0, within(1e-4));
        assertThat(m.predict(FeatureMatrix.of(new float[][] {{-3, 1}, {9, 14}}))).containsExactly(a, b);
    }

    @Test
    void sameSeedSameClusters() {
        FeatureMatrix x = ClusterBenchmark.blobs(1500, 4, 8, 3).x();
        KMeansModel m1 = new KMeans(5, 11).fit(x);
        KMeansModel m2 = new KMeans(5, 11).fit(x);
        assertThat(m2.labels()).isEqualTo(m1.labels());
        assertThat(m2.centroids()).isEqualTo(m1.centroids());
        assertThat(m2.inertia()).isEqualTo(m1.inertia());
    }

    @Test
    void constantColumnWorks() {
        float[][] rows = new float[9][];
        for (int i = 0; i < 9; i++) rows[i] = new float[] {TWO.get(i, 0), 7f, TWO.get(i, 1)};
        KMeansModel m = new KMeans(2, 1).fit(FeatureMatrix.of(rows));
        assertThat(m.inertia()).isCloseTo(16.0, within(1e-4));
        assertThat(m.centroids()[1]).isEqualTo(7f);
    }

    @Test
    void moreClustersThanDistinctPoints() {
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{1, 1}, {1, 1}, {2, 2}, {2, 2}});
        assertThatThrownBy(() -> new KMeans(3, 0).fit(x))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("k=3 is larger than the 2 distinct points");
        assertThat(new KMeans(2, 0).fit(x).inertia()).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void nanIsAnError() {
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{1, 1}, {1, Float.NaN}, {2, 2}, {3, 3}});
        assertThatThrownBy(() -> new KMeans(2, 0).fit(x))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("NaN in features");
    }

    @Test
    void manyChunksMatchOneChunk() {
        // The same fit with all rows in one chunk and with 256-row chunks (the smallest EngineFeatures makes; the last
        // one partial): per-chunk distances, argmins, one-hot sums and the k-means++ potentials must add up to the
        // same clustering. Set up as fit(FeatureMatrix) does (shift by the column means, widest row max(d, k)).
        int n = 20_000, d = 16, k = 8;
        FeatureMatrix x = ClusterBenchmark.blobs(n, d, k, 5).x();
        KMeans km = new KMeans(k, 1, 300, 1e-4, 2);
        float[] shift = EngineFeatures.toFloat(x.columnMeans());
        KMeansModel one, many;
        try (EngineFeatures f = new EngineFeatures(x, shift, Math.max(d, k), (long) n * d)) {
            assertThat(f.chunks()).isEqualTo(1);
            one = km.fit(x, f);
        }
        try (EngineFeatures f = new EngineFeatures(x, shift, Math.max(d, k), 256L * d)) {
            assertThat(f.chunks()).isEqualTo((n + 255) / 256); // 79, the last with 32 rows
            many = km.fit(x, f);
        }
        // labels: identical (the blobs are far apart, so float32 rounding in the sums cannot move a point)
        assertThat(many.labels()).isEqualTo(one.labels());
        // centres: float32 sums over 20,000 rows in one matmul vs 79 partial sums accumulated in double; the centres
        // lie within +-10, where 1e-4 is about 100 float32 ulps (seen here: 3e-6), and far below the blobs' spacing
        for (int i = 0; i < one.centroids().length; i++) {
            assertThat(many.centroids()[i]).as("centroid value " + i).isCloseTo(one.centroids()[i], within(1e-4f));
        }
        // inertia: relative 1e-6 (unit-variance blobs, so it is near n * d = 320,000; seen here: 5e-11 relative)
        assertThat(many.inertia()).isCloseTo(one.inertia(), within(one.inertia() * 1e-6));
        assertThat(many.iterations()).isEqualTo(one.iterations());

        // and the chunked result is right, not merely equal: inertia recomputed in double from its labels and centres
        double inertia = 0;
        for (int i = 0; i < n; i++) {
            int j = many.labels()[i];
            for (int q = 0; q < d; q++) {
                double v = x.get(i, q) - many.centroids()[j * d + q];
                inertia += v * v;
            }
        }
        assertThat(many.inertia()).isCloseTo(inertia, within(inertia * 1e-5));
        assertThat(many.predict(x)).isEqualTo(many.labels());
    }
}
