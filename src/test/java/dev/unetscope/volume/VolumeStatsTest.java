package dev.unetscope.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class VolumeStatsTest {
    @Test
    void nanAndInfAreCountedApartFromMinMaxMean() {
        float[] d = {1, -2, 0, Float.NaN, Float.POSITIVE_INFINITY, 4, Float.NEGATIVE_INFINITY, 0, Float.NaN};
        VolumeStats s = VolumeStats.of(d);
        assertThat(s).isEqualTo(new VolumeStats(9, -2, 4, 0.6, 3, 2, 2));
    }

    @Test
    void allNonFiniteGivesNaNSummary() {
        VolumeStats s = VolumeStats.of(new float[] {Float.NaN, Float.NEGATIVE_INFINITY});
        assertThat(s.min()).isNaN();
        assertThat(s.max()).isNaN();
        assertThat(s.mean()).isNaN();
        assertThat(s.nanCount()).isEqualTo(1);
        assertThat(s.infCount()).isEqualTo(1);
        assertThat(s.voxels()).isEqualTo(2);
    }

    @Test
    void meanOfManyVoxelsIsAccurate() {
        // 10^7 copies of 0.1f: a naive float sum would be far off; the mean must be 0.1f exactly in double.
        float[] d = new float[10_000_000];
        java.util.Arrays.fill(d, 0.1f);
        Volume v = new Volume(100, 100, 1000, d, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        VolumeStats s = VolumeStats.of(v);
        assertThat(s.mean()).isCloseTo(0.1f, within(1e-15));
        assertThat(s.nonZero()).isEqualTo(10_000_000);
    }
}
