package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BaselinesTest {
    @Test
    void handComputedProbabilityBaselines() {
        // p = 0.9, 0.6, 0.2, 0.5: max(p,1-p) = 0.9, 0.6, 0.8, 0.5 -> mean 0.7
        // predicted gland (p >= 0.5): 0.9, 0.6, 0.5 -> mean 2/3
        // entropy bits: H(0.9)=0.468996, H(0.6)=0.970951, H(0.2)=0.721928, H(0.5)=1 -> mean 0.790469
        // soft IoU with m = 1,1,0,1: inter 0.9+0.6+0.5 = 2.0; union sum(p + m - p m) = 1 + 1 + 0.2 + 1 = 3.2 -> 0.625
        float[] p = {0.9f, 0.6f, 0.2f, 0.5f};
        java.util.BitSet m = new java.util.BitSet();
        m.set(0);
        m.set(1);
        m.set(3);
        Baselines.CaseScores s = Baselines.of(p, m);
        assertThat(s.softmaxConfidence()).isCloseTo(0.7, within(1e-6));
        assertThat(s.glandConfidence()).isCloseTo(2.0 / 3, within(1e-6));
        assertThat(s.entropy()).isCloseTo((0.468996 + 0.970951 + 0.721928 + 1) / 4, within(1e-5));
        assertThat(s.softIoU()).isCloseTo(0.625, within(1e-6));
        assertThat(Baselines.of(new float[] {0.1f, 0.2f}, new java.util.BitSet()).glandConfidence()).isNaN();
    }

    @Test
    void mahalanobisOfADiagonalGaussian() {
        // train: x in {-1, 1} x {-2, 2} (4 points): mean 0, variances 1 and 4 (+1e-6)
        LayerSample train = new LayerSample("b", 2, 8, new float[] {-1, -2, -1, 2, 1, -2, 1, 2}, null);
        Mahalanobis m = Mahalanobis.fit(train);
        // query (3, 4): sqrt(9/1 + 16/4) = sqrt(13)
        double[] d = m.distances(new LayerSample("b", 2, 8, new float[] {3, 4, 0, 0}, null));
        assertThat(d[0]).isCloseTo(Math.sqrt(13), within(1e-4));
        assertThat(d[1]).isZero();
    }
}
