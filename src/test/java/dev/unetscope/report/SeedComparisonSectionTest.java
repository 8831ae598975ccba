package dev.unetscope.report;

import dev.unetscope.analysis.GeneralizationStudy;
import dev.unetscope.analysis.SeedComparisonTest;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The report's comparison section says what the tables say: on the hand-made tables, the new atc_iou is IoU itself. */
class SeedComparisonSectionTest {
    @TempDir
    Path tmp;

    @Test
    void theWordsFollowTheNumbers() throws Exception {
        Experiment exp = SeedComparisonTest.write(tmp.resolve("e"));
        new GeneralizationStudy(exp, 20, 0, 0.7, null).run();
        Path res = exp.resultsDir();
        CsvTable scores = CsvTable.read(res.resolve(ResultFiles.SCORE_COMPARISON_CSV));
        CsvTable predictor = CsvTable.read(res.resolve(ResultFiles.PREDICTOR_COMPARISON_CSV));
        CsvTable layers = CsvTable.read(res.resolve(ResultFiles.LAYER_SIGNAL_CSV));
        List<String> words = SeedComparisonSection.words(scores, predictor, layers);
        Map<String, String> conf = scores.records().stream().filter(r -> r.get("score").equals("confidence")).findFirst().orElseThrow();
        String within = words.get(0);
        // every label-free set-level score of the registry is defined in the synthetic tables but replicate_agreement
        long defined = dev.unetscope.metrics.Scores.at(dev.unetscope.metrics.Score.Level.SET).stream().filter(dev.unetscope.metrics.Score::labelFree).count() - 1;
        assertThat(within).startsWith("Of " + defined + " label-free scores defined here (undefined: replicate_agreement) by |r| with IoU within checkpoint")
                .contains("the seed's confidence ranks " + SeedComparisonSection.ordinal(Integer.parseInt(conf.get("r_within_rank"))) + " (r "
                        + String.format("%.3f", Double.parseDouble(conf.get("r_within"))))
                .contains("the best is atc_iou (new, r 1.000")
                .contains("without the new scores the best would be ");
        assertThat(words).anySatisfy(w -> assertThat(w).startsWith("On |r| within checkpoint, the seed's best (").contains(" of the " + (defined - 3) + " other label-free scores ranked").contains("loses to").contains("atc_iou"));
        Map<String, String> first = predictor.records().stream().filter(r -> r.get("variant").equals("seed+first-release") && r.get("rows").equals("all")
                && r.get("scheme").equals("leave-one-query-out")).findFirst().orElseThrow();
        Map<String, String> all = predictor.records().stream().filter(r -> r.get("variant").equals("all-label-free") && r.get("rows").equals("all")
                && r.get("scheme").equals("leave-one-query-out")).findFirst().orElseThrow();
        assertThat(words).anySatisfy(w -> assertThat(w).contains("leave-one-query-out mean absolute error").contains("adding the new scores changes it from "
                + String.format("%.4f", Double.parseDouble(first.get("mae"))) + " to " + String.format("%.4f", Double.parseDouble(all.get("mae")))));
        assertThat(words).anySatisfy(w -> assertThat(w).startsWith("Per layer, roughness_reverse tracks IoU most within checkpoint at enc2 (r 1.000"));
        // no validation_scores.csv here: nothing is said about the seed's own protocol, nor about atc_iou on it
        assertThat(words).noneMatch(w -> w.contains("seed's own protocol") || w.contains("atc_iou's threshold"));
        String html = SeedComparisonSection.html(res);
        assertThat(html).startsWith("<h2>How the seed's scores compare</h2>").contains("results/score_comparison.csv").contains("results/layer_signal.csv");
        assertThat(SeedComparisonSection.ordinal(1)).isEqualTo("1st");
        assertThat(SeedComparisonSection.ordinal(12)).isEqualTo("12th");
        assertThat(SeedComparisonSection.ordinal(22)).isEqualTo("22nd");
    }

    @Test
    void aSeedScoreOfTheWrongSignOnTheSeedsOwnProtocolIsSaidToPointTheWrongWay() throws Exception {
        Experiment exp = SeedComparisonTest.write(tmp.resolve("w"));
        new GeneralizationStudy(exp, 20, 0, 0.7, null).run();
        Path res = exp.resultsDir();
        CsvTable scores = CsvTable.read(res.resolve(ResultFiles.SCORE_COMPARISON_CSV));
        int score = scores.column("score"), r = scores.column("r_seed_protocol"), lo = scores.column("r_seed_protocol_lo"), hi = scores.column("r_seed_protocol_hi");
        for (List<String> row : scores.rows()) {
            if (!row.get(score).equals("confidence")) continue;
            row.set(r, "-0.61");
            row.set(lo, "-0.83");
            row.set(hi, "-0.37");
        }
        List<String> words = SeedComparisonSection.words(scores, CsvTable.read(res.resolve(ResultFiles.PREDICTOR_COMPARISON_CSV)),
                CsvTable.read(res.resolve(ResultFiles.LAYER_SIGNAL_CSV)));
        assertThat(words).contains("The seed's confidence points the wrong way on the seed's own protocol: r -0.610 [-0.830, -0.370], where a higher value should mean a higher IoU.");
    }
}
