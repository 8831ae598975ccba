package dev.unetscope.report;

import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every score's axis in the report says what it is measured in (a new score cannot fall back to a wrong unit). */
class ScoreUnitsTest {
    @Test
    void everyRegistryScoreHasItsOwnUnit() {
        for (Score s : Scores.ALL) {
            assertThat(Report.unit(s.name())).as(s.name()).isNotEqualTo(s.name().replace('_', ' '));
        }
        assertThat(Report.unit("jacobian")).isEqualTo("RMS Jacobian norm (std. units)");
        assertThat(Report.unit("knn_distance")).doesNotContain("IoU");
        assertThat(Report.unit("checkpoint_agreement")).isEqualTo("IoU-like (0-1)");
        assertThat(Report.unit("entropy_patch_max")).isEqualTo("entropy (bits)");
    }
}
