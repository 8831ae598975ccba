package dev.unetscope.train;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The input {@code bench infer} builds for a network of several input channels, checked by hand. */
class BenchInputTest {
    @Test
    void eachCaseHoldsItsChannelsOneAfterAnotherChannelZeroTheVolume() {
        // two cases of three voxels each, three channels: case 0 = (1, 2, 3), case 1 = (4, 5, 6)
        float[] x = {1, 2, 3, 4, 5, 6};
        assertThat(TrainingBenchmark.channels(x, 2, 3)).containsExactly(
                1, 2, 3, -1, -2, -3, -1, -2, -3,
                4, 5, 6, -4, -5, -6, -4, -5, -6);
        assertThat(TrainingBenchmark.channels(x, 2, 1)).containsExactly(1, 2, 3, 4, 5, 6);
    }
}
