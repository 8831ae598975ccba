package dev.unetscope.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.ReferencePython;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.ResultFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleBiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The per-case IoU predictor on results tables written by hand: a case small enough to check by hand, then scikit-learn's numbers. */
class CasePredictionTest {
    @TempDir
    Path tmp;

    static final List<String> OBJECTIVES = List.of("dice", "bce", "focal");
    static final List<String> QUERIES = List.of("test", "noisy");

    /** Writes case_scores.csv and cases.csv: 3 objectives x 2 steps x 2 query sets x 6 cases; features and IoU from the functions given. */
    static void tables(Path results, ToDoubleBiFunction<Integer, Integer> feature, java.util.function.IntToDoubleFunction iou) {
        List<String> scoreCols = new ArrayList<>(List.of("run", "objective", "replicate", "step", "query", "case"));
        List<String> scores = dev.unetscope.metrics.Scores.names(dev.unetscope.metrics.Scores.at(dev.unetscope.metrics.Score.Level.CASE));
        scoreCols.addAll(scores);
        scoreCols.add("settings");
        CsvTable cs = new CsvTable(scoreCols), cases = new CsvTable(ResultFiles.CASE_COLUMNS);
        int row = 0;
        for (String o : OBJECTIVES) {
            for (int step : new int[] {10, 20}) {
                for (String q : QUERIES) {
                    for (int c = 0; c < 6; c++, row++) {
                        List<Object> r = new ArrayList<>(List.of(o, o, 0, step, q, "case" + c));
                        for (int j = 0; j < scores.size(); j++) {
                            int input = CasePrediction.INPUTS.indexOf(scores.get(j));
                            r.add(input < 0 ? 0.5 : feature.applyAsDouble(row, input));
                        }
                        r.add("h");
                        cs.add(r);
                        cases.add(List.of(o, o, 0, step, q, "case" + c, iou.applyAsDouble(row), 0, 1, 1, "e"));
                    }
                }
            }
        }
        cs.write(results.resolve(ResultFiles.CASE_SCORES_CSV));
        cases.write(results.resolve(ResultFiles.CASES_CSV));
    }

    @Test
    void aCaseComputableByHand() throws Exception {
        // IoU = 0.5 + 0.1 x confidence exactly, every other input constant (dropped; confidence's mean over each 6-case cohort is 0,
        // constant too): the held-out predictions are that line
        // up to ridge's shrinkage at the smallest lambda (1e-3 against a sum of squares of 48 standardised rows: 2e-5 relative)
        Path results = Files.createDirectories(tmp.resolve("results"));
        int conf = CasePrediction.INPUTS.indexOf("confidence");
        tables(results, (row, input) -> input == conf ? (row % 6) - 2.5 : 1.0, row -> 0.5 + 0.1 * ((row % 6) - 2.5));
        List<CasePrediction.Summary> both = new CasePrediction(results, 0.5, null).run();
        assertThat(both).extracting(CasePrediction.Summary::scheme).containsExactly("leave-one-objective-out", "leave-one-query-out");
        CasePrediction.Summary s = both.get(0);
        assertThat(s.n()).isEqualTo(72);
        assertThat(s.nominal()).isEqualTo(ConformalInterval.DEFAULT_LEVEL);
        // the line is exact: every held-out residual is ~0, so the jackknife+ interval is the prediction itself and covers up to rounding
        assertThat(s.meanHalfWidth()).isLessThan(1e-4);
        assertThat(s.folds()).isEqualTo(3);
        assertThat(s.mae()).isLessThan(1e-4);
        // failures (IoU < 0.5) are exactly the rows with confidence < 0: three of each set's six, ranked perfectly
        assertThat(s.failures()).isEqualTo(36);
        assertThat(s.auroc()).isEqualTo(1.0);
        assertThat(s.aurocPerSet()).isEqualTo(1.0);
        // flagging ceil(0.1 x 72) = 8 of 72 catches 8 of 36 failures; within each set of 6 cases ceil(0.6) = 1 of its 3 failures
        assertThat(s.caught10()).isCloseTo(8.0 / 36, within(1e-12));
        assertThat(s.caught20()).isCloseTo(15.0 / 36, within(1e-12));
        assertThat(s.caught10PerSet()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(s.caught20PerSet()).isCloseTo(2.0 / 3, within(1e-12));
        // the model fitted on every pair: confidence alone, slope 0.1 per unit, i.e. 0.1 x sd on the standardised scale
        JsonNode p = new ObjectMapper().readTree(results.resolve(ResultFiles.CASE_PREDICTOR_JSON).toFile());
        assertThat(p.path("kept").size()).isEqualTo(1);
        assertThat(p.path("inputs").get(p.path("kept").get(0).asInt()).asText()).isEqualTo("confidence");
        double sd = Math.sqrt(35.0 / 12); // population sd of 0..5
        assertThat(p.path("coefficients").get(0).asDouble()).isCloseTo(0.1 * sd, within(1e-4));
        assertThat(p.path("intercept").asDouble()).isCloseTo(0.5, within(1e-12));
        // calibrated over the 2 query sets: a fold per set, each with its 36 held-out residuals
        assertThat(p.path("conformal").path("level").asDouble()).isEqualTo(0.9);
        assertThat(p.path("conformal").path("grouping").asText()).isEqualTo("query");
        assertThat(p.path("conformal").path("folds")).hasSize(2);
        assertThat(p.path("conformal").path("folds").get(0).path("heldOut").asText()).isEqualTo("test");
        assertThat(p.path("conformal").path("folds").get(1).path("residuals")).hasSize(36);
        FittedPredictor fp = FittedPredictor.read(results.resolve(ResultFiles.CASE_PREDICTOR_JSON));
        FittedPredictor.Filled f = fp.predictFilling(Map.of("confidence", 2.0));
        assertThat(f.prediction().value()).isCloseTo(0.7, within(1e-4));
        assertThat(f.prediction().lo()).isCloseTo(0.7, within(1e-3));
        assertThat(f.prediction().hi()).isCloseTo(0.7, within(1e-3));
        assertThat(f.missing()).isEmpty();
        assertThat(fp.predictFilling(Map.of("confidence", Double.NaN)).prediction().value()).isCloseTo(0.5, within(1e-12));
        assertThat(fp.predictFilling(Map.of("confidence", Double.NaN)).missing()).containsExactly("confidence");
        CsvTable detail = CsvTable.read(results.resolve(ResultFiles.CASE_PREDICTION_CSV));
        assertThat(detail.rows()).hasSize(144);
        assertThat(detail.records()).allSatisfy(r -> assertThat(r.get("flagged")).isEqualTo(r.get("failed")));
    }

    @Test
    void leaveOneObjectiveOutAgainstScikitLearn() throws Exception {
        Path results = Files.createDirectories(tmp.resolve("results"));
        Random rng = new Random(5);
        int p = CasePrediction.CASE_INPUTS.size();
        double[][] x = new double[72][p];
        double[] y = new double[72];
        for (int i = 0; i < 72; i++) {
            for (int j = 0; j < p; j++) x[i][j] = rng.nextGaussian();
            y[i] = 0.65 + 0.1 * x[i][0] - 0.08 * x[i][1] + 0.05 * x[i][2] + 0.06 * rng.nextGaussian();
        }
        tables(results, (row, input) -> x[row][input], row -> y[row]);
        List<CasePrediction.Summary> both = new CasePrediction(results, 0.6, null).run();
        CasePrediction.Summary s = both.get(0);

        // the reference's inputs: each case's scores, then their means over its 6-case cohort (same checkpoint and query set)
        StringBuilder csv = new StringBuilder();
        for (int j = 0; j < 2 * p; j++) csv.append("x").append(j).append(',');
        csv.append("y,objective,set,query\n");
        for (int i = 0; i < 72; i++) {
            for (int j = 0; j < p; j++) csv.append(x[i][j]).append(',');
            for (int j = 0; j < p; j++) {
                double m = 0;
                for (int k = i / 6 * 6; k < i / 6 * 6 + 6; k++) m += x[k][j] / 6;
                csv.append(m).append(',');
            }
            int step = (i / 12) % 2, q = (i / 6) % 2;
            csv.append(y[i]).append(',').append(OBJECTIVES.get(i / 24)).append(',').append(OBJECTIVES.get(i / 24) + step + QUERIES.get(q))
                    .append(',').append(QUERIES.get(q)).append('\n');
        }
        Files.writeString(tmp.resolve("rows.csv"), csv);
        Files.writeString(tmp.resolve("params.txt"), "0.6\n" + ConformalInterval.DEFAULT_LEVEL + "\n");
        JsonNode ref = com.fasterxml.jackson.databind.json.JsonMapper.builder().enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build().readTree(ReferencePython.run(tmp, "case_prediction_reference.py", tmp.toString(), "numpy and scikit-learn", 120,
                "conformal_reference.py"));

        CsvTable detail = CsvTable.read(results.resolve(ResultFiles.CASE_PREDICTION_CSV));
        for (int i = 0; i < 72; i++) {
            Map<String, String> r = detail.records().get(i);
            assertThat(Double.parseDouble(r.get("predicted"))).as("row " + i).isCloseTo(ref.path("predicted").get(i).asDouble(), within(1e-9));
            assertThat(Double.parseDouble(r.get("lo"))).isCloseTo(ref.path("lo").get(i).asDouble(), within(1e-9));
            assertThat(Double.parseDouble(r.get("hi"))).isCloseTo(ref.path("hi").get(i).asDouble(), within(1e-9));
        }
        assertThat(s.mae()).isCloseTo(ref.path("mae").asDouble(), within(1e-12));
        assertThat(s.coverage()).isCloseTo(ref.path("coverage").asDouble(), within(1e-12));
        // 3 objectives: each held-out objective's interval is calibrated on the other 2 (jackknife+ over them)
        assertThat(s.meanHalfWidth()).isFinite().isPositive();
        // leave-one-query-set-out: point predictions as the reference's; with 2 query sets the interval would be calibrated on
        // a single set, so there is none, and the summary says why
        JsonNode qref = ref.path("query");
        for (int i = 0; i < 72; i++) {
            Map<String, String> r = detail.records().get(72 + i);
            assertThat(r.get("scheme")).isEqualTo("leave-one-query-out");
            assertThat(Double.parseDouble(r.get("predicted"))).as("row " + i).isCloseTo(qref.path("predicted").get(i).asDouble(), within(1e-9));
            assertThat(GeneralizationStudy.parse(r.get("lo"))).isNaN();
        }
        CasePrediction.Summary q = both.get(1);
        assertThat(q.mae()).isCloseTo(qref.path("mae").asDouble(), within(1e-12));
        assertThat(q.coverage()).isNaN();
        assertThat(q.reason()).contains("72 of 72 scored rows without an interval").contains("at least 3 groups");
        assertThat(s.auroc()).isCloseTo(ref.path("auroc").asDouble(), within(1e-12));
        assertThat(s.caught10()).isCloseTo(ref.path("caught_10").asDouble(), within(1e-12));
        assertThat(s.caught20()).isCloseTo(ref.path("caught_20").asDouble(), within(1e-12));
        assertThat(s.aurocPerSet()).isCloseTo(ref.path("auroc_per_set").asDouble(), within(1e-12));
        assertThat(s.caught10PerSet()).isCloseTo(ref.path("caught_10_per_set").asDouble(), within(1e-12));
        assertThat(s.caught20PerSet()).isCloseTo(ref.path("caught_20_per_set").asDouble(), within(1e-12));
        assertThat(s.failures()).isPositive().isLessThan(72);
        CsvTable summary = CsvTable.read(results.resolve(ResultFiles.CASE_PREDICTION_SUMMARY_CSV));
        assertThat(Double.parseDouble(summary.records().get(0).get("caught_20"))).isEqualTo(s.caught20());
    }

    @Test
    void aPredictorWithoutConformalCalibrationIsRefused() throws Exception {
        // written before the conformal interval: a normal half-width instead of the calibration
        Path old = tmp.resolve("old.json");
        Files.writeString(old, "{\"inputs\":[\"confidence\"],\"kept\":[0],\"means\":[0],\"sds\":[1],\"coefficients\":[0.1],\"intercept\":0.5,"
                + "\"halfWidth\":0.02,\"lambda\":1,\"n\":10}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FittedPredictor.read(old)).isInstanceOf(dev.unetscope.io.BadInputException.class)
                .hasMessageContaining("old.json").hasMessageContaining("re-run 'unetscope analyze'");
        Path none = tmp.resolve("none.json");
        Files.writeString(none, "{\"inputs\":[\"confidence\"],\"kept\":[0],\"means\":[0],\"sds\":[1],\"coefficients\":[0.1],\"intercept\":0.5,"
                + "\"lambda\":1,\"n\":10}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FittedPredictor.read(none)).isInstanceOf(dev.unetscope.io.BadInputException.class)
                .hasMessageContaining("no conformal calibration").hasMessageContaining("re-run 'unetscope analyze'");
    }
}
