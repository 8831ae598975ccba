package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CaseFormsTest {
    @Test
    void caseStartsFromSortedCaseIndices() {
        // rows of cases 0, 0, 2, 2, 2 (case 1 has no points)
        assertThat(CaseForms.caseStarts(new int[] {0, 0, 2, 2, 2}, 3)).containsExactly(0, 2, 2, 5);
    }

    @Test
    void perCaseConfidenceByHand() {
        // two layers' per-point log-likelihoods per dimension; case 0 is rows 0-1, case 1 rows 2-3
        double[] a = {1, 3, 5, 7}, b = {2, 2, 0, 4};
        int[] start = {0, 2, 4};
        // case 0: layer means 2 and 2 -> 2; case 1: 6 and 2 -> 4
        assertThat(CaseForms.confidence(List.of(a, b), start)).containsExactly(2.0, 4.0);
        // a case without points has none
        assertThat(CaseForms.confidence(List.of(a), new int[] {0, 4, 4})[1]).isNaN();
    }

    @Test
    void perCaseRoughnessByHand() {
        // 1-D features; case 0: {0, 2} in cluster 0 and {10, 12} in cluster 1: centroids 1 and 11, scatter 1 each, distance 10 -> DB 0.2
        // case 1: {0, 4} and {6, 10}: centroids 2 and 8, scatter 2 each, distance 6 -> DB 4/6
        // case 2: one cluster only -> undefined at this layer -> NaN
        LayerSample x = new LayerSample("l", 1, 1, new float[] {0, 2, 10, 12, 0, 4, 6, 10, 1, 2}, null);
        int[] labels = {0, 0, 1, 1, 0, 0, 1, 1, 0, 0};
        double[] r = CaseForms.roughness(List.of(x), List.of(labels), new int[] {0, 4, 8, 10});
        assertThat(r[0]).isCloseTo(0.2, within(1e-12));
        assertThat(r[1]).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(r[2]).isNaN();
    }

    @Test
    void oneCaseGivesTheSetLevelDefinitions() {
        // with a single case, the per-case forms are the set-level scores: DB of all points, and c_l
        java.util.Random g = new java.util.Random(3);
        int n = 400, d = 3;
        float[] train = new float[n * d], query = new float[n * d];
        for (int i = 0; i < train.length; i++) {
            train[i] = (float) g.nextGaussian();
            query[i] = (float) (0.5 + 1.5 * g.nextGaussian());
        }
        LayerSample t = new LayerSample("l", d, 1, train, null), q = new LayerSample("l", d, 1, query, null);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = query[i * d] > 0.5f ? 1 : 0;
        double[] r = CaseForms.roughness(List.of(q), List.of(labels), new int[] {0, n});
        assertThat(r[0]).isCloseTo(DaviesBouldin.score(LayerMetrics.matrix(q), labels), within(1e-12));

        AnalysisConfig cfg = AnalysisConfig.defaults().withMixtureKs(List.of(1));
        Confidence conf = Confidence.fit(t, cfg);
        Map<String, Double> byModel = conf.score(q);
        String best = Confidence.argBest(byModel);
        double[] c = CaseForms.confidence(List.of(conf.scorePoints(q, best)), new int[] {0, n});
        assertThat(c[0]).isCloseTo(Confidence.best(byModel), within(1e-5));
    }
}
