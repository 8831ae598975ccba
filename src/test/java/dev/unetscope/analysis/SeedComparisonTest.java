package dev.unetscope.analysis;

import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The comparison of the seed's scores with the others, on results tables written by hand: 3 objectives x 3 checkpoints
 * x 4 query sets, where one new score (atc_iou) is exactly the set's IoU, one layer's roughness_reverse is exactly IoU,
 * and every other score is seeded noise; entropy_foreground is undefined on bce's first checkpoint, replicate_agreement
 * everywhere (no replicates).
 */
public class SeedComparisonTest {
    @TempDir
    Path tmp;

    static final List<String> OBJECTIVES = List.of("dice", "bce", "focal");
    static final List<String> QUERIES = List.of("test", "noisy", "blurred", "dark");
    static final int[] STEPS = {10, 20, 30};
    static final List<String> LAYERS = List.of("enc1", "enc2");
    static final double[] CASE_OFFSETS = {-0.25, -0.05, 0.05, 0.2};
    static final double FAILURE = 0.7;

    static double iou(int o, int s, int q, Random noise) {
        return 0.35 + 0.12 * s + 0.08 * q + 0.03 * o + 0.02 * noise.nextGaussian();
    }

    static boolean undefinedForeground(String objective, int step) {
        return objective.equals("bce") && step == 10;
    }

    /** Writes checkpoints.csv, layers.csv, cases.csv and case_scores.csv into {@code exp}'s results folder. */
    public static Experiment write(Path root) throws Exception {
        Experiment exp = Experiment.openOrCreate(root);
        Files.createDirectories(exp.resultsDir());
        Random rng = new Random(3);
        List<String> setScores = Scores.names(Scores.at(Score.Level.SET));
        List<String> layerScores = Scores.names(Scores.at(Score.Level.LAYER));
        List<String> caseScores = Scores.names(Scores.at(Score.Level.CASE));
        List<String> ckCols = new ArrayList<>(ResultFiles.CHECKPOINT_COLUMNS);
        ckCols.add("reason");
        ckCols.addAll(setScores);
        CsvTable ck = new CsvTable(ckCols);
        List<String> lCols = new ArrayList<>(List.of("run", "objective", "replicate", "step", "query", "layer"));
        lCols.addAll(layerScores);
        CsvTable layers = new CsvTable(lCols);
        List<String> csCols = new ArrayList<>(List.of("run", "objective", "replicate", "step", "query", "case"));
        csCols.addAll(caseScores);
        CsvTable cs = new CsvTable(csCols), cases = new CsvTable(ResultFiles.CASE_COLUMNS);
        for (int o = 0; o < OBJECTIVES.size(); o++) {
            String obj = OBJECTIVES.get(o);
            for (int s = 0; s < STEPS.length; s++) {
                for (int q = 0; q < QUERIES.size(); q++) {
                    double iou = iou(o, s, q, rng);
                    List<Object> row = new ArrayList<>(List.of(obj, obj, 0, STEPS[s], s, QUERIES.get(q), CASE_OFFSETS.length, iou, iou, 0.8, "e", ""));
                    for (String sc : setScores) row.add(setValue(sc, iou, obj, STEPS[s], rng));
                    ck.add(row);
                    for (String layer : LAYERS) {
                        List<Object> lr = new ArrayList<>(List.of(obj, obj, 0, STEPS[s], QUERIES.get(q), layer));
                        for (String sc : layerScores) lr.add(sc.equals("roughness_reverse") && layer.equals("enc2") ? iou : rng.nextGaussian());
                        layers.add(lr);
                    }
                    for (int c = 0; c < CASE_OFFSETS.length; c++) {
                        double ci = Math.max(0, Math.min(1, iou + CASE_OFFSETS[c]));
                        cases.add(List.of(obj, obj, 0, STEPS[s], QUERIES.get(q), "case" + c, ci, ci, 1, 1, "e"));
                        List<Object> cr = new ArrayList<>(List.of(obj, obj, 0, STEPS[s], QUERIES.get(q), "case" + c));
                        for (String sc : caseScores) cr.add(sc.equals("atc_iou") ? ci : rng.nextGaussian());
                        cs.add(cr);
                    }
                }
            }
        }
        ck.write(exp.resultsDir().resolve(ResultFiles.CHECKPOINTS_CSV));
        layers.write(exp.resultsDir().resolve(ResultFiles.LAYERS_CSV));
        cases.write(exp.resultsDir().resolve(ResultFiles.CASES_CSV));
        cs.write(exp.resultsDir().resolve(ResultFiles.CASE_SCORES_CSV));
        return exp;
    }

    private static double setValue(String score, double iou, String objective, int step, Random rng) {
        double noise = rng.nextGaussian();
        return switch (score) {
            case "atc_iou" -> iou;
            case "replicate_agreement" -> Double.NaN;
            case "entropy_foreground" -> undefinedForeground(objective, step) ? Double.NaN : noise;
            default -> noise;
        };
    }

    static Map<String, Map<String, String>> byScore(CsvTable t) {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        for (Map<String, String> r : t.records()) m.put(r.get("score"), r);
        return m;
    }

    static double d(String s) {
        return GeneralizationStudy.parse(s);
    }

    @Test
    void thePerfectScoreRanksFirstAndTheTablesAgreeWithTheirSources() throws Exception {
        Experiment exp = write(tmp.resolve("e"));
        new GeneralizationStudy(exp, 20, 0, FAILURE, null).run();
        Path res = exp.resultsDir();
        CsvTable comparison = CsvTable.read(res.resolve(ResultFiles.SCORE_COMPARISON_CSV));
        assertThat(comparison.header()).isEqualTo(ScoreComparison.COLUMNS);
        Map<String, Map<String, String>> sc = byScore(comparison);
        assertThat(sc.keySet()).containsExactlyElementsOf(Scores.names(Scores.at(Score.Level.SET)));

        Map<String, String> atc = sc.get("atc_iou");
        assertThat(atc.get("family")).isEqualTo("new");
        assertThat(d(atc.get("r"))).isCloseTo(1.0, within(1e-12));
        assertThat(d(atc.get("r_within"))).isCloseTo(1.0, within(1e-12));
        assertThat(atc.get("r_rank")).isEqualTo("1");
        assertThat(atc.get("r_within_rank")).isEqualTo("1");
        assertThat(atc.get("r_rank_first_release")).isEmpty(); // a new score is not in the ranking without the new scores
        // every case's atc_iou is its IoU: a perfect flag wherever a checkpoint has both failed and good cases
        assertThat(d(atc.get("auroc"))).isCloseTo(1.0, within(1e-12));
        assertThat(atc.get("auroc_rank")).isEqualTo("1");

        // the seed's confidence: noise; its r is correlations.csv's, its rank one more than the scores ahead of it
        CsvTable corr = CsvTable.read(res.resolve(ResultFiles.CORRELATIONS_CSV));
        Map<String, String> conf = sc.get("confidence");
        assertThat(conf.get("family")).isEqualTo("seed");
        assertThat(conf.get("expected_sign")).isEqualTo("1");
        Map<String, String> pearson = corr.records().stream().filter(r -> r.get("score").equals("confidence") && r.get("scope").equals("all")
                && r.get("method").equals("pearson")).findFirst().orElseThrow();
        assertThat(conf.get("r")).isEqualTo(pearson.get("value"));
        assertThat(conf.get("r_lo")).isEqualTo(pearson.get("lo"));
        assertThat(conf.get("n")).isEqualTo("36");
        Map<String, String> within = corr.records().stream().filter(r -> r.get("score").equals("confidence") && r.get("scope").equals("within")
                && r.get("method").equals("pearson_within")).findFirst().orElseThrow();
        assertThat(conf.get("r_within")).isEqualTo(within.get("value"));
        for (String m : List.of("r", "r_within")) {
            double mine = Math.abs(d(conf.get(m)));
            long ahead = sc.values().stream().filter(r -> r.get("label_free").equals("1") && Math.abs(d(r.get(m))) > mine).count();
            assertThat(conf.get(m + "_rank")).isEqualTo(Long.toString(ahead + 1));
            long aheadFirst = sc.values().stream().filter(r -> r.get("label_free").equals("1") && !r.get("family").equals("new")
                    && Math.abs(d(r.get(m))) > mine).count();
            assertThat(conf.get(m + "_rank_first_release")).isEqualTo(Long.toString(aheadFirst + 1));
        }
        // failure AUROC: the mean over failure.csv's checkpoints where it is defined
        double sum = 0;
        int n = 0;
        for (Map<String, String> f : CsvTable.read(res.resolve(ResultFiles.FAILURE_CSV)).records()) {
            if (f.get("score").equals("confidence") && Double.isFinite(d(f.get("auroc")))) {
                sum += d(f.get("auroc"));
                n++;
            }
        }
        assertThat(n).isPositive();
        assertThat(conf.get("auroc_checkpoints")).isEqualTo(Integer.toString(n));
        assertThat(d(conf.get("auroc"))).isCloseTo(sum / n, within(1e-12));
        // the label-using reference is listed, never ranked; a score undefined everywhere has no rank
        assertThat(sc.get("db_labels").get("label_free")).isEqualTo("0");
        assertThat(sc.get("db_labels").get("r_rank")).isEmpty();
        assertThat(sc.get("replicate_agreement").get("r")).isEqualTo("NaN");
        assertThat(sc.get("replicate_agreement").get("r_rank")).isEmpty();
        assertThat(ScoreComparison.ranked(comparison, "r_rank")).isEqualTo((int) Scores.at(Score.Level.SET).stream().filter(Score::labelFree).count() - 1);

        // which layers carry the signal: roughness_reverse at enc2 is IoU itself
        CsvTable layers = CsvTable.read(res.resolve(ResultFiles.LAYER_SIGNAL_CSV));
        assertThat(layers.rows()).hasSize(LAYERS.size() * Scores.at(Score.Level.LAYER).size());
        Map<String, String> enc2 = layers.records().stream().filter(r -> r.get("layer").equals("enc2") && r.get("score").equals("roughness_reverse"))
                .findFirst().orElseThrow();
        assertThat(enc2.get("column")).isEqualTo("roughness_reverse_enc2");
        assertThat(d(enc2.get("r"))).isCloseTo(1.0, within(1e-12));
        assertThat(d(enc2.get("r_within"))).isCloseTo(1.0, within(1e-12));
        Map<String, String> c1 = layers.records().stream().filter(r -> r.get("layer").equals("enc1") && r.get("score").equals("confidence"))
                .findFirst().orElseThrow();
        assertThat(c1.get("column")).isEqualTo("c_enc1");
        assertThat(c1.get("n")).isEqualTo("36");
        assertThat(Math.abs(d(c1.get("r")))).isLessThan(0.6); // noise
    }

    @Test
    void thePredictorWithAndWithoutTheNewScores() throws Exception {
        Experiment exp = write(tmp.resolve("e"));
        new GeneralizationStudy(exp, 20, 0, FAILURE, null).run();
        Path res = exp.resultsDir();
        CsvTable t = CsvTable.read(res.resolve(ResultFiles.PREDICTOR_COMPARISON_CSV));
        assertThat(t.header()).isEqualTo(PredictorComparison.COLUMNS);
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (Map<String, String> r : t.records()) rows.put(r.get("variant") + "/" + r.get("rows") + "/" + r.get("scheme"), r);
        assertThat(rows).hasSize(3 * 2 * 2);

        // the default predictor is the middle variant on every row: the same numbers as prediction_summary.csv
        for (Map<String, String> s : CsvTable.read(res.resolve(ResultFiles.PREDICTION_SUMMARY_CSV)).records()) {
            Map<String, String> r = rows.get("seed+first-release/all/" + s.get("scheme"));
            for (String c : List.of("n", "folds", "mae", "coverage", "mean_half_width")) assertThat(r.get(c)).as(c).isEqualTo(s.get(c));
        }
        for (String scheme : List.of("leave-one-objective-out", "leave-one-query-out")) {
            // only the new score atc_iou carries IoU: the variants without it err by the spread of IoU, the one with it by almost nothing
            for (String rowSet : List.of("all", "complete")) {
                assertThat(d(rows.get("seed/" + rowSet + "/" + scheme).get("mae"))).as(rowSet + " " + scheme).isGreaterThan(0.03);
                assertThat(d(rows.get("seed+first-release/" + rowSet + "/" + scheme).get("mae"))).as(rowSet + " " + scheme).isGreaterThan(0.03);
                // the other registry scores are seeded noise: each one the registry gains adds a little ridge error, so the bound is relative
                double without = Math.min(d(rows.get("seed/" + rowSet + "/" + scheme).get("mae")), d(rows.get("seed+first-release/" + rowSet + "/" + scheme).get("mae")));
                assertThat(d(rows.get("all-label-free/" + rowSet + "/" + scheme).get("mae"))).as(rowSet + " " + scheme).isLessThan(0.4 * without).isLessThan(0.02);
            }
            // complete rows: replicate_agreement (undefined everywhere) left out, bce's first checkpoint (foreground entropy undefined) dropped
            for (String v : List.of("seed", "seed+first-release", "all-label-free")) {
                Map<String, String> r = rows.get(v + "/complete/" + scheme);
                assertThat(r.get("n")).isEqualTo(Integer.toString(36 - QUERIES.size()));
                assertThat(r.get("reason")).contains("32 of 36 rows with every input defined").contains("replicate_agreement");
            }
            assertThat(rows.get("all-label-free/complete/" + scheme).get("set_inputs")).contains("entropy_foreground").doesNotContain("replicate_agreement");
            assertThat(rows.get("all-label-free/complete/" + scheme).get("dropped")).isEmpty();
        }
        // every row: the predictor's own rule drops what is undefined among the training rows
        Map<String, String> all = rows.get("all-label-free/all/leave-one-query-out");
        assertThat(all.get("dropped")).isEqualTo("entropy_foreground replicate_agreement");
        assertThat(all.get("n")).isEqualTo("36");
        assertThat(all.get("inputs")).isEqualTo(Integer.toString(PredictorComparison.Variant.ALL.setInputs().size() + 2 * LAYERS.size()));
        // held out, bce's training folds have every foreground entropy, so bce's own undefined rows cannot be scored
        assertThat(rows.get("all-label-free/all/leave-one-objective-out").get("n")).isEqualTo("32");
        assertThat(rows.get("seed/all/leave-one-query-out").get("set_inputs")).isEqualTo("confidence roughness roughness_reverse");
    }
}
