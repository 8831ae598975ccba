package dev.unetscope.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OverlapTest {
    @Test
    void handComputedMasks() {
        // prediction 1 1 1 0 0 0, truth 0 1 1 1 1 0: intersection 2, union 5, |P| 3, |T| 4
        float[] p = {1, 1, 1, 0, 0, 0};
        float[] t = {0, 1, 1, 1, 1, 0};
        assertThat(Overlap.iou(p, t)).isCloseTo(2.0 / 5, within(1e-12));
        assertThat(Overlap.dice(p, t)).isCloseTo(4.0 / 7, within(1e-12));
    }

    @Test
    void bothEmptyIsPerfectOneEmptyIsZero() {
        float[] z = new float[5];
        float[] one = {0, 0, 1, 0, 0};
        assertThat(Overlap.iou(z, z)).isEqualTo(1.0);
        assertThat(Overlap.dice(z, z)).isEqualTo(1.0);
        assertThat(Overlap.iou(one, z)).isEqualTo(0.0);
        assertThat(Overlap.dice(z, one)).isEqualTo(0.0);
    }

    @Test
    void thresholdedProbabilities() {
        float[] prob = {0.9f, 0.5f, 0.49f, 0.1f};
        float[] t = {1, 0, 1, 0};
        Overlap.Counts c = Overlap.countsAt(prob, t, 0.5f, 0, 4);
        assertThat(c.intersection()).isEqualTo(1);
        assertThat(c.predicted()).isEqualTo(2);
        assertThat(c.iou()).isCloseTo(1.0 / 3, within(1e-12));
    }
}
