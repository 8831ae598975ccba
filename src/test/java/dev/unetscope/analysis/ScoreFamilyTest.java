package dev.unetscope.analysis;

import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ScoreFamilyTest {
    @Test
    void everyRegistryEntryHasAFamily() {
        for (Score s : Scores.ALL) assertThat(ScoreFamily.of(s)).as(s.name()).isNotNull();
    }

    @Test
    void theSeedTheFirstReleaseAndTheNewScores() {
        for (String s : new String[] {"confidence", "roughness", "roughness_reverse"}) assertThat(ScoreFamily.of(s)).as(s).isEqualTo(ScoreFamily.SEED);
        for (String s : new String[] {"softmax_confidence", "gland_confidence", "entropy", "soft_iou", "tta_agreement", "checkpoint_agreement",
                "mahalanobis", "db_labels"}) {
            assertThat(ScoreFamily.of(s)).as(s).isEqualTo(ScoreFamily.FIRST_RELEASE);
        }
        // the new scores by name, whether or not the registry has them yet (jacobian, mahalanobis_pca, knn_distance come later)
        for (String s : ScoreFamily.KNOWN_NEW) assertThat(ScoreFamily.of(s)).as(s).isEqualTo(ScoreFamily.NEW);
        assertThat(ScoreFamily.of("a_score_added_next_year")).isEqualTo(ScoreFamily.NEW);
        assertThat(ScoreFamily.of(new Score("unregistered", Set.of(Score.Level.SET), true, true, false, null, "x"))).isEqualTo(ScoreFamily.NEW);
        assertThat(ScoreFamily.SEED.label()).isEqualTo("seed");
    }

    @Test
    void theFirstReleaseVariantIsTodaysDefaultPredictor() {
        // predictor.json's set-level inputs are the seed's and the first release's, so the comparison's middle variant is the default
        assertThat(PredictorComparison.Variant.FIRST_RELEASE.setInputs()).containsExactlyElementsOf(GeneralizationStudy.PREDICTOR_INPUTS);
        assertThat(PredictorComparison.Variant.SEED.setInputs()).containsExactly("confidence", "roughness", "roughness_reverse");
        assertThat(PredictorComparison.Variant.ALL.setInputs()).containsAll(GeneralizationStudy.PREDICTOR_INPUTS).contains("atc_iou", "entropy_patch_max")
                .doesNotContain("db_labels");
    }
}
