package dev.unetscope.analysis;

import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.InteriorAnalysis;
import dev.unetscope.train.Evaluation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Does each score predict test IoU? Over the population of (checkpoint, query set) pairs:
 * correlations with bootstrap intervals that resample checkpoints (overall, per objective, per query
 * set, and within checkpoints); a ridge predictor of IoU from the label-free scores evaluated
 * leave-one-objective-out and leave-one-query-set-out; and per checkpoint, how well each per-case
 * score flags failed cases. Reads results/checkpoints.csv, layers.csv and case_scores.csv; writes
 * correlations.csv, prediction.csv, prediction_summary.csv, failure.csv and predictor.json.
 */
public final class GeneralizationStudy {
    public static final String CORRELATIONS_CSV = "correlations.csv";
    public static final String PREDICTION_CSV = "prediction.csv";
    public static final String PREDICTION_SUMMARY_CSV = "prediction_summary.csv";
    public static final String FAILURE_CSV = "failure.csv";
    public static final String PREDICTOR_JSON = "predictor.json";

    /** Scores correlated with IoU: the seed's (db_labels is label-dependent, the reference) and the baselines. */
    public static final List<String> SCORES = List.of("confidence", "roughness", "roughness_reverse", "db_labels", "softmax_confidence",
            "gland_confidence", "entropy", "soft_iou", "tta_agreement", "checkpoint_agreement", "mahalanobis");
    /** Label-free checkpoint-level inputs of the predictor (per-layer c_l and roughness_l are added from layers.csv). */
    public static final List<String> PREDICTOR_INPUTS = List.of("confidence", "roughness", "roughness_reverse", "softmax_confidence", "entropy",
            "soft_iou", "tta_agreement", "checkpoint_agreement", "mahalanobis");
    /** Per-case scores where higher means more confident (the others are negated for failure flags). */
    static final Set<String> HIGHER_IS_CONFIDENT = Set.of("confidence", "softmax_confidence", "gland_confidence", "soft_iou", "tta_agreement",
            "checkpoint_agreement");
    static final List<String> CASE_SCORES = List.of("confidence", "roughness", "softmax_confidence", "gland_confidence", "entropy", "soft_iou",
            "tta_agreement", "checkpoint_agreement", "mahalanobis");

    private final Experiment exp;
    private final Correlation correlation;
    private final double failureThreshold;

    public GeneralizationStudy(Experiment exp, int resamples, long seed, double failureThreshold) {
        this.exp = exp;
        this.correlation = new Correlation(resamples, seed, Correlation.DEFAULT_LEVEL);
        this.failureThreshold = failureThreshold;
    }

    public record Result(CsvTable correlations, CsvTable summary) {}

    public Result run() {
        Path ck = exp.resultsDir().resolve(Evaluation.CHECKPOINTS_CSV);
        CsvTable t = CsvTable.readWithColumns(ck, Evaluation.CHECKPOINT_COLUMNS, InteriorAnalysis.COMBINED);
        if (t == null || t.rows().isEmpty()) throw new BadInputException(ck, "does not exist or is empty", "run 'unetscope evaluate' and 'unetscope analyze' first");
        List<Map<String, String>> rows = t.records().stream().filter(r -> !r.get("confidence").isEmpty()).toList();
        if (rows.isEmpty()) throw new BadInputException(ck, "has no analysed checkpoints", "run 'unetscope analyze' first");
        CsvTable corr = correlations(rows);
        corr.write(exp.resultsDir().resolve(CORRELATIONS_CSV));
        CsvTable summary = prediction(rows);
        failure();
        return new Result(corr, summary);
    }

    // ---- correlations -------------------------------------------------------------------------

    CsvTable correlations(List<Map<String, String>> rows) {
        CsvTable out = new CsvTable(List.of("score", "scope", "subset", "method", "n", "value", "lo", "hi", "p", "reason"));
        Map<String, List<Map<String, String>>> scopes = new LinkedHashMap<>();
        scopes.put("all/all", rows);
        for (Map<String, String> r : rows) scopes.computeIfAbsent("objective/" + r.get("objective"), k -> new ArrayList<>()).add(r);
        for (Map<String, String> r : rows) scopes.computeIfAbsent("query/" + r.get("query"), k -> new ArrayList<>()).add(r);
        Set<String> replicates = new LinkedHashSet<>();
        for (Map<String, String> r : rows) replicates.add(r.get("replicate"));
        if (replicates.size() > 1) for (Map<String, String> r : rows) scopes.computeIfAbsent("replicate/" + r.get("replicate"), k -> new ArrayList<>()).add(r);
        for (String score : SCORES) {
            for (Map.Entry<String, List<Map<String, String>>> sc : scopes.entrySet()) {
                List<Map<String, String>> sub = sc.getValue();
                double[] x = column(sub, score), y = column(sub, "iou");
                int[] groups = groups(sub);
                String[] scope = sc.getKey().split("/", 2);
                for (Estimate e : correlation.estimate(x, y, groups)) add(out, score, scope[0], scope[1], e);
                if (scope[0].equals("all")) {
                    for (Estimate e : correlation.withinGroup(x, y, groups)) add(out, score, "within", "checkpoint", e);
                }
            }
        }
        return out;
    }

    private static void add(CsvTable out, String score, String scope, String subset, Estimate e) {
        out.add(List.of(score, scope, subset, e.method(), e.n(), e.value(), e.lo(), e.hi(), e.p(), e.reason() == null ? "" : e.reason()));
    }

    static double[] column(List<Map<String, String>> rows, String col) {
        double[] v = new double[rows.size()];
        for (int i = 0; i < v.length; i++) v[i] = parse(rows.get(i).get(col));
        return v;
    }

    static double parse(String s) {
        if (s == null || s.isEmpty()) return Double.NaN;
        return Double.parseDouble(s);
    }

    /** Group id per row: the checkpoint (run and step), the unit the bootstrap resamples. */
    static int[] groups(List<Map<String, String>> rows) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        int[] g = new int[rows.size()];
        for (int i = 0; i < g.length; i++) g[i] = ids.computeIfAbsent(rows.get(i).get("run") + ":" + rows.get(i).get("step"), k -> ids.size());
        return g;
    }

    // ---- predictor ----------------------------------------------------------------------------

    /** The predictor's input names: the combined label-free scores, then c_l and roughness_l of every layer. */
    public List<String> predictorInputs(List<String> layerNames) {
        List<String> names = new ArrayList<>(PREDICTOR_INPUTS);
        for (String l : layerNames) {
            names.add("c_" + l);
            names.add("roughness_" + l);
        }
        return names;
    }

    /** Feature vectors by "run:step:query", from checkpoints.csv and layers.csv. */
    Map<String, double[]> features(List<Map<String, String>> rows, List<String> layerNames) {
        CsvTable layers = CsvTable.read(exp.resultsDir().resolve(InteriorAnalysis.LAYERS_CSV));
        Map<String, Map<String, Double>> perLayer = new LinkedHashMap<>();
        for (Map<String, String> r : layers.records()) {
            Map<String, Double> m = perLayer.computeIfAbsent(r.get("run") + ":" + r.get("step") + ":" + r.get("query"), k -> new LinkedHashMap<>());
            m.put("c_" + r.get("layer"), parse(r.get("confidence")));
            m.put("roughness_" + r.get("layer"), parse(r.get("roughness")));
        }
        List<String> inputs = predictorInputs(layerNames);
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map<String, String> r : rows) {
            String key = r.get("run") + ":" + r.get("step") + ":" + r.get("query");
            double[] v = new double[inputs.size()];
            for (int i = 0; i < v.length; i++) {
                String in = inputs.get(i);
                v[i] = i < PREDICTOR_INPUTS.size() ? parse(r.get(in)) : perLayer.getOrDefault(key, Map.of()).getOrDefault(in, Double.NaN);
            }
            out.put(key, v);
        }
        return out;
    }

    static List<String> layerNames(Experiment exp) {
        CsvTable layers = CsvTable.read(exp.resultsDir().resolve(InteriorAnalysis.LAYERS_CSV));
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Map<String, String> r : layers.records()) names.add(r.get("layer"));
        return new ArrayList<>(names);
    }

    CsvTable prediction(List<Map<String, String>> rows) {
        List<String> layerNames = layerNames(exp);
        Map<String, double[]> feats = features(rows, layerNames);
        double[][] x = feats.values().toArray(new double[0][]);
        double[] y = column(rows, "iou");
        CsvTable detail = new CsvTable(List.of("scheme", "run", "objective", "step", "query", "iou", "predicted", "lo", "hi"));
        CsvTable summary = new CsvTable(List.of("scheme", "n", "folds", "mae", "coverage", "mean_half_width", "reason"));
        RidgePredictor ridge = new RidgePredictor();
        for (String scheme : List.of("objective", "query")) {
            Map<String, Integer> ids = new LinkedHashMap<>();
            int[] g = new int[rows.size()];
            for (int i = 0; i < g.length; i++) g[i] = ids.computeIfAbsent(rows.get(i).get(scheme), k -> ids.size());
            RidgePredictor.CrossValidation cv;
            if (ids.size() < 2) {
                cv = new RidgePredictor.CrossValidation(rows.size(), ids.size(), Double.NaN, Double.NaN, Double.NaN, null, null, null,
                        "leave-one-" + scheme + "-out needs at least 2 " + scheme + "s, found " + ids.size());
            } else {
                cv = ridge.crossValidate(x, y, g);
            }
            summary.add(List.of("leave-one-" + scheme + "-out", cv.n(), cv.folds(), cv.mae(), cv.coverage(), cv.meanHalfWidth(),
                    cv.reason() == null ? "" : cv.reason()));
            if (cv.predicted() == null) continue;
            for (int i = 0; i < rows.size(); i++) {
                Map<String, String> r = rows.get(i);
                detail.add(List.of("leave-one-" + scheme + "-out", r.get("run"), r.get("objective"), r.get("step"), r.get("query"), y[i],
                        cv.predicted()[i], cv.lo()[i], cv.hi()[i]));
            }
        }
        detail.write(exp.resultsDir().resolve(PREDICTION_CSV));
        summary.write(exp.resultsDir().resolve(PREDICTION_SUMMARY_CSV));
        RidgeModel model = ridge.fit(x, y);
        FittedPredictor.of(model, predictorInputs(layerNames)).write(exp.resultsDir().resolve(PREDICTOR_JSON));
        return summary;
    }

    // ---- failure flags ------------------------------------------------------------------------

    void failure() {
        Path casesFile = exp.resultsDir().resolve(Evaluation.CASES_CSV);
        Path scoresFile = exp.resultsDir().resolve(InteriorAnalysis.CASE_SCORES_CSV);
        CsvTable out = new CsvTable(List.of("run", "objective", "step", "score", "threshold", "n", "failures", "auroc", "aurc_failure", "aurc_loss",
                "oracle_aurc_failure", "oracle_aurc_loss", "reason"));
        if (!java.nio.file.Files.isRegularFile(casesFile) || !java.nio.file.Files.isRegularFile(scoresFile)) {
            out.write(exp.resultsDir().resolve(FAILURE_CSV));
            return;
        }
        Map<String, Double> iou = new LinkedHashMap<>();
        for (Map<String, String> r : CsvTable.read(casesFile).records()) {
            iou.put(r.get("run") + ":" + r.get("step") + ":" + r.get("query") + ":" + r.get("case"), parse(r.get("iou")));
        }
        Map<String, List<Map<String, String>>> byCheckpoint = new LinkedHashMap<>();
        for (Map<String, String> r : CsvTable.read(scoresFile).records()) {
            byCheckpoint.computeIfAbsent(r.get("run") + ":" + r.get("step"), k -> new ArrayList<>()).add(r);
        }
        for (List<Map<String, String>> cases : byCheckpoint.values()) {
            double[] truth = new double[cases.size()];
            for (int i = 0; i < truth.length; i++) {
                Map<String, String> r = cases.get(i);
                truth[i] = iou.getOrDefault(r.get("run") + ":" + r.get("step") + ":" + r.get("query") + ":" + r.get("case"), Double.NaN);
            }
            for (String score : CASE_SCORES) {
                double[] s = column(cases, score);
                if (!HIGHER_IS_CONFIDENT.contains(score)) for (int i = 0; i < s.length; i++) s[i] = -s[i];
                // drop cases without a score or without ground truth
                List<Integer> keep = new ArrayList<>();
                for (int i = 0; i < s.length; i++) if (Double.isFinite(s[i]) && Double.isFinite(truth[i])) keep.add(i);
                double[] ks = keep.stream().mapToDouble(i -> s[i]).toArray();
                double[] kt = keep.stream().mapToDouble(i -> truth[i]).toArray();
                FailureDetection.Detection d = FailureDetection.evaluate(ks, kt, failureThreshold);
                Map<String, String> r0 = cases.get(0);
                out.add(List.of(r0.get("run"), r0.get("objective"), r0.get("step"), score, failureThreshold, d.n(), d.failures(), d.auroc(),
                        d.aurcFailure(), d.aurcLoss(), d.oracleAurcFailure(), d.oracleAurcLoss(), d.reason() == null ? "" : d.reason()));
            }
        }
        out.write(exp.resultsDir().resolve(FAILURE_CSV));
    }
}
