package dev.unetscope.pipeline;

import dev.unetscope.data.phantom.Shift;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DemoQuerySetsTest {
    private static final List<String> DEMO = List.of("noisy@2", "noisy@5", "blurred@2", "blurred@5", "scanner-b@2", "scanner-b@5");

    @Test
    void theDemoShiftsTheSameSixSetsOnPhantomsAndRealData() {
        // six shifted sets plus test: no more query sets than before the ladders
        assertThat(DemoService.querySets(DemoService.Scale.demo, true)).containsExactlyElementsOf(DEMO);
        assertThat(DemoService.querySets(DemoService.Scale.demo, false)).containsExactlyElementsOf(DEMO);
    }

    @Test
    void theSeedScaleTakesEveryLadderAtLevels2And5AndRealDataLeavesOutAnatomy() {
        List<String> phantoms = DemoService.querySets(DemoService.Scale.seed, true), real = DemoService.querySets(DemoService.Scale.seed, false);
        assertThat(phantoms).hasSize(14).contains("low-contrast@2", "low-contrast@5", "gamma@5", "rescaled@2", "biased@5");
        assertThat(real).hasSize(12).doesNotContain("low-contrast@2", "low-contrast@5");
        for (String q : real) assertThat(Shift.preset(q).glandContrast()).isEqualTo(1);
    }

    @Test
    void eachSetRecordsItsPresetLevelAndKnobs() {
        Map<String, Object> q = DemoService.shiftedQuery("blurred@5");
        assertThat(q).containsEntry("path", "data/query/blurred@5").containsEntry("preset", "blurred").containsEntry("level", 5);
        assertThat(q.get("shift")).isEqualTo(Shift.NEUTRAL.with("blur", 4).asMap());
    }

    @Test
    void aShiftedSetsFolderNameIsAValidPredictionName() {
        // predict --query runs/demo/data/query/scanner-b@2 names its prediction after the folder
        assertThat(PredictService.name(new PredictService.Settings("all", java.nio.file.Path.of("runs/demo/data/query/scanner-b@2"), 0))).isEqualTo("scanner-b@2");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PredictService.name(new PredictService.Settings("all", java.nio.file.Path.of("x"), 0, "a/b")))
                .isInstanceOf(dev.unetscope.io.BadInputException.class).hasMessageContaining("'@'");
    }
}
