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
        Overlap.Counts c = Overlap.countsAt(prob, t, 0, 4);
        assertThat(c.intersection()).isEqualTo(1);
        assertThat(c.predicted()).isEqualTo(2); // 0.5 itself is predicted gland: the one threshold rule
        assertThat(c.iou()).isCloseTo(1.0 / 3, within(1e-12));
        // the same rule everywhere: the mask of a probability map, and the validation-IoU path
        assertThat(Overlap.mask(prob).toString()).isEqualTo("{0, 1}");
        assertThat(Overlap.counts(prob, t).predicted()).isEqualTo(2);
    }

    @Test
    void agreementCountsBothEmptyAsTheCallerSays() {
        float[] a = {0.9f, 0.9f, 0.1f, 0.1f}, b = {0.9f, 0.1f, 0.9f, 0.1f}, z = {0, 0, 0, 0};
        // a and b share one predicted voxel out of three in their union
        assertThat(Overlap.agreement(Overlap.mask(a), Overlap.mask(b), 0)).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(Overlap.agreement(Overlap.mask(z), Overlap.mask(z), 0)).isZero();
        assertThat(Overlap.agreement(Overlap.mask(z), Overlap.mask(z), 1)).isEqualTo(1.0);
    }

    @Test
    void leftRightFlipMirrorsEachRow() {
        // two rows of width 3: x-fastest
        float[] v = {1, 2, 3, 4, 5, 6};
        assertThat(LeftRightFlip.apply(v, 3)).containsExactly(3, 2, 1, 6, 5, 4);
        assertThat(LeftRightFlip.apply(LeftRightFlip.apply(v, 3), 3)).containsExactly(v);
    }
}
