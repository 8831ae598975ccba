package dev.unetscope.analysis;

import dev.unetscope.experiment.CaseKey;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SetKey;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

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
 * correlations.csv, prediction.csv, prediction_summary.csv, failure.csv and predictor.json, and the comparison of the
 * seed's scores with the others: score_comparison.csv, predictor_comparison.csv and layer_signal.csv.
 */
public final class GeneralizationStudy {
    /** Scores correlated with IoU: every set-level score (db_labels needs labels: the reference). */
    public static final List<String> SCORES = Scores.names(Scores.at(Score.Level.SET));
    /** Label-free set-level inputs of the predictor (per-layer forms are added from layers.csv). */
    public static final List<String> PREDICTOR_INPUTS = Scores.names(Scores.predictorInputs());
    static final List<Score> CASE_SCORES = Scores.at(Score.Level.CASE);

    private final Experiment exp;
    private final Correlation correlation;
    private final double failureThreshold;
    private final AnalysisConfig analysis;

    /** {@code analysis}: the settings the scores were computed with, recorded in predictor.json (may be null in tests). */
    public GeneralizationStudy(Experiment exp, int resamples, long seed, double failureThreshold, AnalysisConfig analysis) {
        this.exp = exp;
        this.correlation = new Correlation(resamples, seed, Correlation.DEFAULT_LEVEL);
        this.failureThreshold = failureThreshold;
        this.analysis = analysis;
    }

    /**
     * @param cases   the per-case predictor's errors and its flags' quality, a summary per scheme (null without per-case tables)
     * @param ranking the checkpoint ranking's top-1 agreement and regret, leave-one-query-set-out (null with fewer than 2 query sets)
     */
    public record Result(CsvTable correlations, CsvTable summary, List<CasePrediction.Summary> cases, CheckpointRanking.Agreement ranking) {}

    public Result run() {
        Path ck = exp.resultsDir().resolve(ResultFiles.CHECKPOINTS_CSV);
        CsvTable t = CsvTable.readWithColumns(ck, ResultFiles.CHECKPOINT_COLUMNS, SCORES);
        if (t == null || t.rows().isEmpty()) throw new BadInputException(ck, "does not exist or is empty", "run 'unetscope evaluate' and 'unetscope analyze' first");
        List<Map<String, String>> rows = t.records().stream().filter(r -> !r.get("confidence").isEmpty()).toList();
        if (rows.isEmpty()) throw new BadInputException(ck, "has no analysed checkpoints", "run 'unetscope analyze' first");
        CsvTable corr = correlations(rows);
        seedProtocol(corr, rows);
        corr.write(exp.resultsDir().resolve(ResultFiles.CORRELATIONS_CSV));
        CsvTable summary = prediction(rows);
        failure();
        comparison(corr, rows);
        List<CasePrediction.Summary> cases = new CasePrediction(exp.resultsDir(), failureThreshold, analysis).run();
        return new Result(corr, summary, cases, ranking);
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

    // ---- the seed's protocol ----------------------------------------------------------------------

    /** Scope names of the seed's protocol in correlations.csv. */
    public static final String SEED_PROTOCOL = "seed-protocol";
    public static final String SEED_PROTOCOL_OBJECTIVE = "seed-protocol-objective";
    public static final String SEED_PROTOCOL_REPLICATE = "seed-protocol-replicate";
    /** The same scores against the generalisation gap (validation IoU minus test IoU). */
    public static final String SEED_PROTOCOL_GAP = "seed-protocol-gap";
    /** The labelled reference of the seed's protocol: validation IoU (needs the validation labels). */
    public static final String VAL_IOU = "val_iou";

    /**
     * The seed's question, model selection: each score computed on the validation split's inputs
     * (results/validation_scores.csv and the validation rows of layers.csv) against the checkpoint's
     * test IoU, one point per checkpoint; pooled ({@link #SEED_PROTOCOL}), per objective and per
     * replicate, with validation IoU as the labelled reference, and against the generalisation gap.
     * The bootstrap resamples checkpoints.
     */
    void seedProtocol(CsvTable out, List<Map<String, String>> rows) {
        Path vf = exp.resultsDir().resolve(ResultFiles.VALIDATION_SCORES_CSV);
        if (!java.nio.file.Files.isRegularFile(vf)) return;
        Map<CheckpointId, Map<String, String>> test = new LinkedHashMap<>();
        for (Map<String, String> r : rows) if (r.get("query").equals(ResultFiles.TEST)) test.put(CheckpointId.of(r), r);
        Map<CheckpointId, Map<String, Double>> layerValues = new LinkedHashMap<>();
        List<String> layerColumns = new ArrayList<>();
        for (Map<String, String> r : CsvTable.read(exp.resultsDir().resolve(ResultFiles.LAYERS_CSV)).records()) {
            if (!r.get("query").equals(ResultFiles.VALIDATION)) continue;
            for (Score s : Scores.layerInputs()) {
                String c = s.layerColumn(r.get("layer"));
                if (!layerColumns.contains(c)) layerColumns.add(c);
                layerValues.computeIfAbsent(CheckpointId.of(r), k -> new LinkedHashMap<>()).put(c, parse(r.get(s.name())));
            }
        }
        List<Map<String, String>> points = new ArrayList<>();
        for (Map<String, String> v : CsvTable.read(vf).records()) {
            Map<String, String> t = test.get(CheckpointId.of(v));
            if (t == null) continue;
            Map<String, String> p = new LinkedHashMap<>(v);
            double testIoU = parse(t.get("iou")), valIoU = parse(t.get("val_iou"));
            p.put("test_iou", t.get("iou"));
            p.put(VAL_IOU, t.get("val_iou"));
            p.put("gap", CsvTable.num(valIoU - testIoU));
            layerValues.getOrDefault(CheckpointId.of(v), Map.of()).forEach((k, x) -> p.put(k, CsvTable.num(x)));
            points.add(p);
        }
        if (points.isEmpty()) return;
        List<String> scores = new ArrayList<>(SCORES);
        scores.add(VAL_IOU);
        scores.addAll(layerColumns);
        Map<String, List<Map<String, String>>> scopes = new LinkedHashMap<>();
        scopes.put(SEED_PROTOCOL + "/all", points);
        for (Map<String, String> p : points) scopes.computeIfAbsent(SEED_PROTOCOL_OBJECTIVE + "/" + p.get("objective"), k -> new ArrayList<>()).add(p);
        Set<String> replicates = new LinkedHashSet<>();
        for (Map<String, String> p : points) replicates.add(p.get("replicate"));
        if (replicates.size() > 1) for (Map<String, String> p : points) scopes.computeIfAbsent(SEED_PROTOCOL_REPLICATE + "/" + p.get("replicate"), k -> new ArrayList<>()).add(p);
        for (String score : scores) {
            for (Map.Entry<String, List<Map<String, String>>> sc : scopes.entrySet()) {
                List<Map<String, String>> sub = sc.getValue();
                String[] scope = sc.getKey().split("/", 2);
                for (Estimate e : correlation.estimate(column(sub, score), column(sub, "test_iou"), groups(sub))) add(out, score, scope[0], scope[1], e);
            }
            if (!score.equals(VAL_IOU)) {
                for (Estimate e : correlation.estimate(column(points, score), column(points, "gap"), groups(points))) add(out, score, SEED_PROTOCOL_GAP, "all", e);
            }
        }
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
        int[] g = new int[rows.size()];
        Map<CheckpointId, Integer> ids = new LinkedHashMap<>();
        for (int i = 0; i < g.length; i++) g[i] = ids.computeIfAbsent(CheckpointId.of(rows.get(i)), k -> ids.size());
        return g;
    }

    // ---- predictor ----------------------------------------------------------------------------

    /** The predictor's input names: the combined label-free scores, then c_l and roughness_l of every layer. */
    public List<String> predictorInputs(List<String> layerNames) {
        return inputs(PREDICTOR_INPUTS, layerNames);
    }

    /** Input names of a predictor on {@code setInputs} (set-level score columns) followed by c_l and roughness_l of every layer. */
    static List<String> inputs(List<String> setInputs, List<String> layerNames) {
        List<String> names = new ArrayList<>(setInputs);
        for (String l : layerNames) for (Score s : Scores.layerInputs()) names.add(s.layerColumn(l));
        return names;
    }

    /** Per-layer predictor inputs ({@code c_LAYER}, {@code roughness_LAYER}) of every analysed set, from layers.csv. */
    Map<SetKey, Map<String, Double>> perLayer() {
        CsvTable layers = CsvTable.read(exp.resultsDir().resolve(ResultFiles.LAYERS_CSV));
        Map<SetKey, Map<String, Double>> perLayer = new LinkedHashMap<>();
        for (Map<String, String> r : layers.records()) {
            Map<String, Double> m = perLayer.computeIfAbsent(SetKey.of(r), k -> new LinkedHashMap<>());
            for (Score s : Scores.layerInputs()) m.put(s.layerColumn(r.get("layer")), parse(r.get(s.name())));
        }
        return perLayer;
    }

    /** Feature vectors by (checkpoint, query set), from checkpoints.csv and layers.csv. */
    Map<SetKey, double[]> features(List<Map<String, String>> rows, List<String> layerNames) {
        return features(rows, PREDICTOR_INPUTS, layerNames, perLayer());
    }

    /** Feature vectors by (checkpoint, query set) in the order of {@link #inputs}: set-level columns of the rows, then per-layer values. */
    static Map<SetKey, double[]> features(List<Map<String, String>> rows, List<String> setInputs, List<String> layerNames,
            Map<SetKey, Map<String, Double>> perLayer) {
        List<String> inputs = inputs(setInputs, layerNames);
        Map<SetKey, double[]> out = new LinkedHashMap<>();
        for (Map<String, String> r : rows) {
            SetKey key = SetKey.of(r);
            double[] v = new double[inputs.size()];
            for (int i = 0; i < v.length; i++) {
                String in = inputs.get(i);
                v[i] = i < setInputs.size() ? parse(r.get(in)) : perLayer.getOrDefault(key, Map.of()).getOrDefault(in, Double.NaN);
            }
            out.put(key, v);
        }
        return out;
    }

    static List<String> layerNames(Experiment exp) {
        CsvTable layers = CsvTable.read(exp.resultsDir().resolve(ResultFiles.LAYERS_CSV));
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Map<String, String> r : layers.records()) names.add(r.get("layer"));
        return new ArrayList<>(names);
    }

    private CheckpointRanking.Agreement ranking;

    CsvTable prediction(List<Map<String, String>> rows) {
        List<String> layerNames = layerNames(exp);
        Map<SetKey, double[]> feats = features(rows, layerNames);
        double[][] x = feats.values().toArray(new double[0][]);
        double[] y = column(rows, "iou");
        CsvTable detail = new CsvTable(List.of("scheme", "run", "objective", "step", "query", "iou", "predicted", "lo", "hi"));
        CsvTable summary = new CsvTable(SUMMARY_COLUMNS);
        RidgePredictor ridge = new RidgePredictor();
        for (String scheme : SCHEMES) {
            Map<String, Integer> ids = new LinkedHashMap<>();
            int[] g = groupIds(rows, scheme, ids);
            RidgePredictor.CrossValidation cv;
            if (ids.size() < 2) {
                cv = new RidgePredictor.CrossValidation(rows.size(), ids.size(), Double.NaN, Double.NaN, Double.NaN, ridge.level(), null, null, null,
                        "leave-one-" + scheme + "-out needs at least 2 " + scheme + "s, found " + ids.size());
            } else {
                cv = ridge.crossValidate(x, y, g);
            }
            summary.add(List.of("leave-one-" + scheme + "-out", cv.n(), cv.folds(), cv.mae(), cv.level(), cv.coverage(), cv.meanHalfWidth(),
                    cv.reason() == null ? "" : cv.reason()));
            if (cv.predicted() == null) continue;
            if (scheme.equals("query")) ranking = ranking(rows, y, cv);
            for (int i = 0; i < rows.size(); i++) {
                Map<String, String> r = rows.get(i);
                detail.add(List.of("leave-one-" + scheme + "-out", r.get("run"), r.get("objective"), r.get("step"), r.get("query"), y[i],
                        cv.predicted()[i], cv.lo()[i], cv.hi()[i]));
            }
        }
        detail.write(exp.resultsDir().resolve(ResultFiles.PREDICTION_CSV));
        summary.write(exp.resultsDir().resolve(ResultFiles.PREDICTION_SUMMARY_CSV));
        RidgeModel model = ridge.fit(x, y);
        String grouping = calibrationGrouping(rows);
        Map<String, Integer> ids = new LinkedHashMap<>();
        int[] g = groupIds(rows, grouping, ids);
        FittedPredictor.of(model, ridge.fitConformal(x, y, g), grouping, List.copyOf(ids.keySet()), predictorInputs(layerNames), analysis,
                analysis == null ? null : SettingsHash.of(analysis)).write(exp.resultsDir().resolve(ResultFiles.PREDICTOR_JSON));
        return summary;
    }

    /** The groupings held out in turn: objectives (a new loss) and query sets (a new site). */
    public static final List<String> SCHEMES = List.of("objective", "query");
    /** Columns of prediction_summary.csv; nominal is the level of the conformal interval whose coverage follows. */
    public static final List<String> SUMMARY_COLUMNS = List.of("scheme", "n", "folds", "mae", "nominal", "coverage", "mean_half_width", "reason");

    /** One group id per row by its {@code column} value, ids in order of first appearance (names put in {@code ids}). */
    static int[] groupIds(List<Map<String, String>> rows, String column, Map<String, Integer> ids) {
        int[] g = new int[rows.size()];
        for (int i = 0; i < g.length; i++) g[i] = ids.computeIfAbsent(rows.get(i).get(column), k -> ids.size());
        return g;
    }

    /**
     * The groups a saved predictor's interval is calibrated over: query sets (predict meets new scans,
     * a new query set), or objectives where there is only one query set.
     */
    static String calibrationGrouping(List<Map<String, String>> rows) {
        return rows.stream().map(r -> r.get("query")).distinct().count() >= 2 ? "query" : "objective";
    }

    /**
     * Which checkpoint to deploy, checked where the truth is known: per held-out query set, the
     * checkpoints ranked by their leave-one-query-set-out predicted IoU (a predictor that never saw the
     * set, as on a new site's scans) against their true IoU there; written to checkpoint_ranking.csv.
     */
    CheckpointRanking.Agreement ranking(List<Map<String, String>> rows, double[] y, RidgePredictor.CrossValidation cv) {
        Map<String, List<CheckpointRanking.Candidate>> cands = new LinkedHashMap<>();
        Map<String, List<Double>> truth = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, String> r = rows.get(i);
            String q = r.get("query");
            cands.computeIfAbsent(q, k -> new ArrayList<>()).add(new CheckpointRanking.Candidate(CheckpointId.of(r).toString(), cv.predicted()[i],
                    cv.lo()[i], cv.hi()[i]));
            truth.computeIfAbsent(q, k -> new ArrayList<>()).add(y[i]);
        }
        List<CheckpointRanking.Labelled> sets = new ArrayList<>();
        for (String q : cands.keySet()) {
            sets.add(new CheckpointRanking.Labelled(q, cands.get(q), truth.get(q).stream().mapToDouble(Double::doubleValue).toArray()));
        }
        CheckpointRanking.Agreement a = CheckpointRanking.agreement(sets);
        CsvTable out = new CsvTable(List.of("query", "checkpoints", "pick", "best", "pick_iou", "best_iou", "top1", "regret", "best_indistinguishable"));
        for (CheckpointRanking.Outcome o : a.outcomes()) {
            out.add(List.of(o.cohort(), o.checkpoints(), o.pick(), o.best(), o.pickIoU(), o.bestIoU(), o.top1() ? 1 : 0, o.regret(),
                    o.bestIndistinguishable() ? 1 : 0));
        }
        out.write(exp.resultsDir().resolve(ResultFiles.CHECKPOINT_RANKING_CSV));
        return a;
    }

    // ---- how the seed's scores compare ----------------------------------------------------------

    /**
     * score_comparison.csv (from the correlations and failure.csv just written), predictor_comparison.csv (the
     * predictor on three input sets; predictor.json is not touched) and layer_signal.csv.
     */
    void comparison(CsvTable corr, List<Map<String, String>> rows) {
        Path failureFile = exp.resultsDir().resolve(ResultFiles.FAILURE_CSV);
        CsvTable failure = java.nio.file.Files.isRegularFile(failureFile) ? CsvTable.read(failureFile) : null;
        ScoreComparison.table(corr, failure).write(exp.resultsDir().resolve(ResultFiles.SCORE_COMPARISON_CSV));
        PredictorComparison.table(rows, perLayer(), layerNames(exp)).write(exp.resultsDir().resolve(ResultFiles.PREDICTOR_COMPARISON_CSV));
        LayerSignal.table(CsvTable.read(exp.resultsDir().resolve(ResultFiles.LAYERS_CSV)), rows, correlation)
                .write(exp.resultsDir().resolve(ResultFiles.LAYER_SIGNAL_CSV));
    }

    // ---- failure flags ------------------------------------------------------------------------

    void failure() {
        Path casesFile = exp.resultsDir().resolve(ResultFiles.CASES_CSV);
        Path scoresFile = exp.resultsDir().resolve(ResultFiles.CASE_SCORES_CSV);
        CsvTable out = new CsvTable(List.of("run", "objective", "step", "score", "threshold", "n", "failures", "auroc", "aurc_failure", "aurc_loss",
                "oracle_aurc_failure", "oracle_aurc_loss", "reason"));
        if (!java.nio.file.Files.isRegularFile(casesFile) || !java.nio.file.Files.isRegularFile(scoresFile)) {
            out.write(exp.resultsDir().resolve(ResultFiles.FAILURE_CSV));
            return;
        }
        Map<CaseKey, Double> iou = new LinkedHashMap<>();
        for (Map<String, String> r : CsvTable.read(casesFile).records()) iou.put(CaseKey.of(r), parse(r.get("iou")));
        Map<CheckpointId, List<Map<String, String>>> byCheckpoint = new LinkedHashMap<>();
        for (Map<String, String> r : CsvTable.read(scoresFile).records()) {
            if (!iou.containsKey(CaseKey.of(r))) continue; // the validation split's scores: no test IoU to flag against
            byCheckpoint.computeIfAbsent(CheckpointId.of(r), k -> new ArrayList<>()).add(r);
        }
        for (List<Map<String, String>> cases : byCheckpoint.values()) {
            double[] truth = new double[cases.size()];
            for (int i = 0; i < truth.length; i++) truth[i] = iou.getOrDefault(CaseKey.of(cases.get(i)), Double.NaN);
            for (Score sc : CASE_SCORES) {
                String score = sc.name();
                double[] s = column(cases, score);
                if (!sc.higherIsConfident()) for (int i = 0; i < s.length; i++) s[i] = -s[i];
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
        out.write(exp.resultsDir().resolve(ResultFiles.FAILURE_CSV));
    }
}
