package dev.unetscope.analysis;

import dev.unetscope.experiment.CaseKey;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which scans will the model get wrong? A ridge regression of each case's IoU on its per-case label-free
 * scores and their means over the case's cohort ({@link #INPUTS}), the same estimator as the set-level predictor ({@link RidgePredictor}), fitted
 * on every labelled (case, checkpoint) pair of the experiment. A case is <em>flagged</em> when its
 * predicted IoU is below the failure threshold.
 *
 * <p>Its interval is the jackknife+ over groups ({@link ConformalInterval}) at the nominal
 * {@link ConformalInterval#DEFAULT_LEVEL}; case_predictor.json keeps the calibration, over query sets
 * (objectives when there is one query set). Evaluated leave-one-objective-out and leave-one-query-set-out
 * (every pair of the held-out group predicted by a model that never saw it, with an interval calibrated
 * on the other groups alone): mean absolute error and interval coverage; and the flags' quality with the held-out
 * predicted IoU as the score: AUROC of failure ({@link FailureDetection#auroc}), and the share of true
 * failures caught when the 10 % and 20 % of cases predicted lowest are sent for review
 * ({@link FailureDetection#caught}), pooled over all pairs and within each (checkpoint, query set), the
 * deployment situation (one model, one cohort).
 */
public final class CasePrediction {
    /** Label-free per-case scores that the set-level predictor uses too. */
    public static final List<String> CASE_INPUTS = Scores.names(Scores.at(Score.Level.CASE).stream().filter(s -> s.labelFree() && s.predictorInput()).toList());
    /** Prefix of an input's mean over the cohort's cases (same checkpoint, same query set): how good the checkpoint is there. */
    public static final String SET_MEAN = "set_mean_";
    /** The per-case predictor's inputs: each case's own scores, then their means over its cohort (label-free too). */
    public static final List<String> INPUTS = inputNames();

    private static List<String> inputNames() {
        List<String> n = new ArrayList<>(CASE_INPUTS);
        for (String c : CASE_INPUTS) n.add(SET_MEAN + c);
        return List.copyOf(n);
    }

    /**
     * The inputs of each case of one cohort under one checkpoint: its own per-case scores and, for each,
     * the mean over the cohort's cases where finite ({@link #SET_MEAN}), so a case is judged both on its
     * own and against how the checkpoint does on the whole cohort.
     */
    public static List<Map<String, Double>> inputs(List<Map<String, Double>> cohort) {
        Map<String, Double> means = new LinkedHashMap<>();
        for (String c : CASE_INPUTS) {
            double sum = 0;
            int n = 0;
            for (Map<String, Double> k : cohort) {
                Double v = k.get(c);
                if (v != null && Double.isFinite(v)) {
                    sum += v;
                    n++;
                }
            }
            means.put(SET_MEAN + c, n == 0 ? Double.NaN : sum / n);
        }
        List<Map<String, Double>> out = new ArrayList<>();
        for (Map<String, Double> k : cohort) {
            Map<String, Double> m = new LinkedHashMap<>();
            for (String c : CASE_INPUTS) m.put(c, k.getOrDefault(c, Double.NaN));
            m.putAll(means);
            out.add(m);
        }
        return out;
    }
    /** Review budgets: the share of cases flagged for review. */
    public static final double[] REVIEW = {0.1, 0.2};

    /**
     * @param n              pairs scored held-out
     * @param folds          objectives held out in turn
     * @param mae            mean absolute error of the held-out per-case IoU
     * @param nominal        the interval's nominal coverage
     * @param coverage       share of pairs whose true IoU lies in the held-out interval
     * @param meanHalfWidth  mean half-width of the intervals
     * @param failures       pairs with true IoU below the threshold
     * @param auroc          AUROC of failure by held-out predicted IoU, pooled over pairs
     * @param aurocPerSet    mean AUROC within each (checkpoint, query set) where defined
     * @param caught10       share of failures among the 10 % lowest predictions, pooled
     * @param caught20       the same at 20 %
     * @param caught10PerSet share of failures caught flagging 10 % of each (checkpoint, query set)'s cases
     * @param caught20PerSet the same at 20 %
     * @param flagged        pairs predicted below the threshold
     * @param flagPrecision  share of flagged pairs that failed
     * @param flagRecall     share of failures flagged
     */
    public record Summary(String scheme, int n, int folds, double mae, double nominal, double coverage, double meanHalfWidth, int failures, double auroc,
                          double aurocPerSet, double caught10, double caught20, double caught10PerSet, double caught20PerSet, int flagged,
                          double flagPrecision, double flagRecall, double threshold, String reason) {}

    public static final List<String> SUMMARY_COLUMNS = List.of("scheme", "n", "folds", "mae", "nominal", "coverage", "mean_half_width", "threshold", "failures",
            "auroc", "auroc_per_set", "caught_10", "caught_20", "caught_10_per_set", "caught_20_per_set", "flagged", "flag_precision", "flag_recall", "reason");

    private final Path results;
    private final double threshold;
    private final AnalysisConfig analysis;

    /** @param results the experiment's results folder; {@code analysis} is recorded in case_predictor.json (may be null in tests) */
    public CasePrediction(Path results, double threshold, AnalysisConfig analysis) {
        this.results = results;
        this.threshold = threshold;
        this.analysis = analysis;
    }

    /**
     * Reads case_scores.csv and cases.csv, writes case_prediction.csv, case_prediction_summary.csv (a row per scheme:
     * leave-one-objective-out, leave-one-query-set-out) and case_predictor.json; null without both tables.
     */
    public List<Summary> run() {
        Path casesFile = results.resolve(ResultFiles.CASES_CSV), scoresFile = results.resolve(ResultFiles.CASE_SCORES_CSV);
        if (!Files.isRegularFile(casesFile) || !Files.isRegularFile(scoresFile)) return null;
        Map<CaseKey, Double> iou = new LinkedHashMap<>();
        for (Map<String, String> r : CsvTable.read(casesFile).records()) iou.put(CaseKey.of(r), GeneralizationStudy.parse(r.get("iou")));
        List<Map<String, String>> rows = new ArrayList<>();
        for (Map<String, String> r : CsvTable.read(scoresFile).records()) if (iou.containsKey(CaseKey.of(r))) rows.add(r);
        double[][] x = new double[rows.size()][INPUTS.size()];
        double[] y = new double[rows.size()];
        int[] objective = new int[rows.size()];
        Map<dev.unetscope.experiment.SetKey, List<Integer>> cohorts = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) cohorts.computeIfAbsent(dev.unetscope.experiment.SetKey.of(rows.get(i)), k -> new ArrayList<>()).add(i);
        for (List<Integer> cohort : cohorts.values()) {
            List<Map<String, Double>> scores = new ArrayList<>();
            for (int i : cohort) {
                Map<String, Double> m = new LinkedHashMap<>();
                for (String c : CASE_INPUTS) m.put(c, GeneralizationStudy.parse(rows.get(i).get(c)));
                scores.add(m);
            }
            List<Map<String, Double>> in = inputs(scores);
            for (int k = 0; k < cohort.size(); k++) for (int j = 0; j < INPUTS.size(); j++) x[cohort.get(k)][j] = in.get(k).get(INPUTS.get(j));
        }
        for (int i = 0; i < rows.size(); i++) y[i] = iou.get(CaseKey.of(rows.get(i)));
        RidgePredictor ridge = new RidgePredictor();
        List<Summary> summaries = new ArrayList<>();
        CsvTable detail = new CsvTable(List.of("scheme", "run", "objective", "step", "query", "case", "iou", "predicted", "lo", "hi", "failed", "flagged"));
        for (String column : GeneralizationStudy.SCHEMES) {
            String scheme = "leave-one-" + column + "-out";
            Map<String, Integer> ids = new LinkedHashMap<>();
            int[] g = GeneralizationStudy.groupIds(rows, column, ids);
            RidgePredictor.CrossValidation cv = ids.size() < 2 ? null : ridge.crossValidate(x, y, g);
            if (cv == null) {
                summaries.add(new Summary(scheme, 0, ids.size(), Double.NaN, ridge.level(), Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, threshold, scheme + " needs at least 2 " + column + "s, found " + ids.size()));
                continue;
            }
            summaries.add(flags(scheme, cv, rows, y));
            for (int i = 0; i < rows.size(); i++) {
                Map<String, String> r = rows.get(i);
                double p = cv.predicted()[i];
                detail.add(List.of(scheme, r.get("run"), r.get("objective"), r.get("step"), r.get("query"), r.get("case"), y[i], p, cv.lo()[i], cv.hi()[i],
                        y[i] < threshold ? 1 : 0, Double.isNaN(p) ? "" : p < threshold ? "1" : "0"));
            }
        }
        detail.write(results.resolve(ResultFiles.CASE_PREDICTION_CSV));
        CsvTable out = new CsvTable(SUMMARY_COLUMNS);
        for (Summary summary : summaries) {
            out.add(List.of(summary.scheme(), summary.n(), summary.folds(), summary.mae(), summary.nominal(), summary.coverage(), summary.meanHalfWidth(),
                    summary.threshold(), summary.failures(), summary.auroc(), summary.aurocPerSet(), summary.caught10(), summary.caught20(),
                    summary.caught10PerSet(), summary.caught20PerSet(), summary.flagged(), summary.flagPrecision(), summary.flagRecall(), summary.reason()));
        }
        out.write(results.resolve(ResultFiles.CASE_PREDICTION_SUMMARY_CSV));
        RidgeModel model = ridge.fit(x, y);
        String grouping = GeneralizationStudy.calibrationGrouping(rows);
        Map<String, Integer> groupNames = new LinkedHashMap<>();
        int[] g = GeneralizationStudy.groupIds(rows, grouping, groupNames);
        FittedPredictor.of(model, ridge.fitConformal(x, y, g), grouping, List.copyOf(groupNames.keySet()), INPUTS, analysis,
                analysis == null ? null : SettingsHash.of(analysis)).write(results.resolve(ResultFiles.CASE_PREDICTOR_JSON));
        return summaries;
    }

    /** The held-out predictions' errors and their quality as failure flags, pooled and within each (checkpoint, query set). */
    Summary flags(String scheme, RidgePredictor.CrossValidation cv, List<Map<String, String>> rows, double[] y) {
        List<Integer> scored = new ArrayList<>();
        for (int i = 0; i < y.length; i++) if (Double.isFinite(cv.predicted()[i]) && Double.isFinite(y[i])) scored.add(i);
        double[] p = scored.stream().mapToDouble(i -> cv.predicted()[i]).toArray();
        boolean[] failed = new boolean[p.length];
        int failures = 0, flagged = 0, flaggedFailed = 0;
        for (int k = 0; k < p.length; k++) {
            failed[k] = y[scored.get(k)] < threshold;
            failures += failed[k] ? 1 : 0;
            if (p[k] < threshold) {
                flagged++;
                if (failed[k]) flaggedFailed++;
            }
        }
        Map<String, List<Integer>> bySet = new LinkedHashMap<>();
        for (int k = 0; k < p.length; k++) {
            Map<String, String> r = rows.get(scored.get(k));
            bySet.computeIfAbsent(r.get("run") + "\u0000" + r.get("step") + "\u0000" + r.get("query"), key -> new ArrayList<>()).add(k);
        }
        double aurocSum = 0;
        int aurocN = 0;
        double[] hits = new double[REVIEW.length];
        int setFailures = 0;
        for (List<Integer> g : bySet.values()) {
            double[] gp = g.stream().mapToDouble(k -> p[k]).toArray();
            boolean[] gf = new boolean[g.size()];
            int gFail = 0;
            for (int j = 0; j < gf.length; j++) {
                gf[j] = failed[g.get(j)];
                gFail += gf[j] ? 1 : 0;
            }
            double a = FailureDetection.auroc(gp, gf);
            if (Double.isFinite(a)) {
                aurocSum += a;
                aurocN++;
            }
            if (gFail == 0) continue;
            setFailures += gFail;
            for (int b = 0; b < REVIEW.length; b++) hits[b] += FailureDetection.caught(gp, gf, REVIEW[b]) * gFail;
        }
        List<String> notes = new ArrayList<>();
        if (cv.reason() != null && !cv.reason().isEmpty()) notes.add(cv.reason());
        if (failures == 0) notes.add("no case has IoU < " + threshold + ": flag quality undefined");
        if (aurocN == 0 && failures > 0) notes.add("no (checkpoint, query set) has both failed and good cases: per-set AUROC undefined");
        return new Summary(scheme, cv.n(), cv.folds(), cv.mae(), cv.level(), cv.coverage(), cv.meanHalfWidth(), failures, FailureDetection.auroc(p, failed),
                aurocN == 0 ? Double.NaN : aurocSum / aurocN, FailureDetection.caught(p, failed, REVIEW[0]), FailureDetection.caught(p, failed, REVIEW[1]),
                setFailures == 0 ? Double.NaN : hits[0] / setFailures, setFailures == 0 ? Double.NaN : hits[1] / setFailures, flagged,
                flagged == 0 ? Double.NaN : (double) flaggedFailed / flagged, failures == 0 ? Double.NaN : (double) flaggedFailed / failures, threshold,
                String.join("; ", notes));
    }

    /** The summaries as analyze wrote them (a row per scheme), or an empty list. */
    public static List<Map<String, String>> readSummaries(Path results) {
        Path f = results.resolve(ResultFiles.CASE_PREDICTION_SUMMARY_CSV);
        if (!Files.isRegularFile(f)) return List.of();
        return CsvTable.read(f).records();
    }
}
