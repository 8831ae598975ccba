package dev.unetscope.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.analysis.CasePrediction;
import dev.unetscope.analysis.SurrogateAgreement;
import dev.unetscope.analysis.GeneralizationStudy;
import dev.unetscope.experiment.CaseKey;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;
import org.knowm.xchart.XYChart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes {@code report/index.html} and {@code report/figures/*.png}: what was run, the correlation
 * table (sortable), the plots, the feature strips with a chooser, the per-case table with failure
 * flags, and links to every CSV. It renders whatever the experiment has and lists what is missing,
 * in the page and in {@link #missing()}. Plain HTML and a few lines of JavaScript; opens from the
 * file system with no server and no network.
 */
public final class Report {
    private final Experiment exp;
    private final Path dir, figures;
    private final List<String> missing = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();

    private final double failureThreshold;
    private final AnalysisConfig sampling;

    /**
     * @param failureThreshold the IoU below which a case has failed, as the correlate stage recorded it
     * @param sampling         the analysis settings whose positions the feature strips' training features use
     */
    public Report(Experiment exp, double failureThreshold, AnalysisConfig sampling) {
        this.exp = exp;
        this.failureThreshold = failureThreshold;
        this.sampling = sampling;
        this.dir = exp.reportDir();
        this.figures = dir.resolve("figures");
    }

    private int viewerCases = CaseChoice.DEFAULT_PER_SET;
    private Viewer.Written viewer;

    /** Cases per query set in the interactive viewer (0: no viewer). */
    public Report viewerCases(int n) {
        this.viewerCases = n;
        return this;
    }

    private ViewerCheckpoints viewerCheckpoints;

    /** The checkpoints the viewer draws (default: {@link ViewerCheckpoints#DEFAULT}). */
    public Report viewerCheckpoints(ViewerCheckpoints which) {
        this.viewerCheckpoints = which;
        return this;
    }

    /** What the viewer wrote (null before {@link #write}). */
    public Viewer.Written viewer() {
        return viewer;
    }

    public List<String> missing() {
        return missing;
    }

    private CsvTable table(String name, String stage) {
        Path f = exp.resultsDir().resolve(name);
        if (!Files.isRegularFile(f)) {
            missing.add("results/" + name + " (run '" + stage + "')");
            return null;
        }
        return CsvTable.read(f);
    }

    /** Each run's last step in a results table (run and step columns), read in one pass that holds nothing else; empty when missing. */
    private Map<String, Integer> finalSteps(String name) {
        Path f = exp.resultsDir().resolve(name);
        Map<String, Integer> last = new HashMap<>();
        if (!Files.isRegularFile(f)) return last;
        List<String> h = CsvTable.header(f);
        int run = h.indexOf("run"), step = h.indexOf("step");
        if (run < 0 || step < 0) return last;
        CsvTable.read(f, r -> {
            last.merge(r.get(run), Integer.parseInt(r.get(step)), Math::max);
            return false;
        });
        return last;
    }

    /** The rows of a results table at each run's step in {@code steps} (as {@link #table} says when it is missing). */
    private CsvTable finalRows(String name, String stage, Map<String, Integer> steps) {
        Path f = exp.resultsDir().resolve(name);
        if (!Files.isRegularFile(f)) return table(name, stage);
        List<String> h = CsvTable.header(f);
        int run = h.indexOf("run"), step = h.indexOf("step");
        if (run < 0 || step < 0) return table(name, stage);
        return CsvTable.read(f, r -> {
            Integer s = steps.get(r.get(run));
            return s != null && Integer.parseInt(r.get(step)) == s;
        });
    }

    public Path write(int stripsPerRun) throws Exception {
        return write(stripsPerRun, viewerCases);
    }

    /**
     * @param stripsPerRun checkpoints of the reference run with feature strips (first to final, evenly spaced)
     * @param casesPerSet  cases per query set shown in pictures ({@link CaseChoice})
     */
    public Path write(int stripsPerRun, int casesPerSet) throws Exception {
        this.viewerCases = casesPerSet;
        Files.createDirectories(figures);
        List<CheckpointStore.Manifest> runs = overview();
        CsvTable ck = table(ResultFiles.CHECKPOINTS_CSV, "unetscope evaluate");
        CsvTable corr = table(ResultFiles.CORRELATIONS_CSV, "unetscope analyze");
        CsvTable layers = table(ResultFiles.LAYERS_CSV, "unetscope analyze");
        // imported runs have no training curves: training.csv is only missing when a run was trained here
        boolean trainedHere = runs.stream().anyMatch(mf -> !mf.torchScript());
        CsvTable training = trainedHere ? table(ResultFiles.TRAINING_CSV, "unetscope train") : optional(ResultFiles.TRAINING_CSV);
        CsvTable prediction = table(ResultFiles.PREDICTION_CSV, "unetscope analyze");
        CsvTable summary = table(ResultFiles.PREDICTION_SUMMARY_CSV, "unetscope analyze");
        // the per-case tables grow with checkpoints x cases (840,000 rows at the seed's scale): only each run's final rows are held
        Map<String, Integer> finalSteps = finalSteps(ResultFiles.CASE_SCORES_CSV);
        CsvTable caseScores = finalRows(ResultFiles.CASE_SCORES_CSV, "unetscope analyze", finalSteps);
        CsvTable cases = finalRows(ResultFiles.CASES_CSV, "unetscope evaluate", finalSteps);
        CsvTable failure = table(ResultFiles.FAILURE_CSV, "unetscope analyze");

        section("Does each score predict test IoU?");
        CsvTable validation = optional(ResultFiles.VALIDATION_SCORES_CSV);
        if (corr != null && validation != null && ck != null) seedProtocol(corr, validation, ck);
        body.append("<h3>The deployment question: scores on each query set against IoU on that same set</h3>\n");
        if (corr != null) correlationTable(corr);
        if (summary != null) predictorSummary(summary);
        surrogateAgreement();
        deploymentAnswers();
        if (ck != null && ck.header().contains("confidence")) scatters(ck, corr);
        if (prediction != null) predictedVsTrue(prediction);
        if (table(ResultFiles.SCORE_COMPARISON_CSV, "unetscope analyze") != null) body.append(SeedComparisonSection.html(exp.resultsDir()));
        section("Inside the network: feature maps");
        strips(stripsPerRun, casesPerSet);
        viewerSection();
        section("Across training");
        if (training != null) trainingCurves(training);
        if (ck != null) trajectories(ck);
        if (layers != null) layerSmallMultiples(layers);
        section("Per case: failure flags");
        if (failure != null) failureTable(failure);
        if (caseScores != null && cases != null) caseTable(caseScores, cases);
        predictions();
        section("Tables");
        csvLinks();

        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>unetscope report</title>\n<style>")
                .append(CSS).append("</style></head><body>\n<h1>unetscope report</h1>\n");
        if (!missing.isEmpty()) {
            html.append("<div class=\"missing\"><b>Missing from this experiment</b> (the report shows what exists):<ul>");
            for (String m : missing) html.append("<li>").append(esc(m)).append("</li>");
            html.append("</ul></div>\n");
        }
        html.append(body).append("<script>").append(JS).append("</script>\n</body></html>\n");
        Path index = dir.resolve("index.html");
        AtomicFile.writeString(index, html.toString());
        removeStaleFigures();
        return index;
    }

    // ---- sections -----------------------------------------------------------------------------

    /** The "What was run" section; returns the experiment's runs. */
    private List<CheckpointStore.Manifest> overview() throws Exception {
        section("What was run");
        var cfg = exp.config();
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        body.append("<p>Experiment <code>").append(esc(exp.root().toAbsolutePath().toString())).append("</code>, created ")
                .append(esc(cfg.path("created").asText("?"))).append(".</p>\n");
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        if (runs.isEmpty()) missing.add("checkpoints (run 'unetscope train')");
        else {
            long imported = runs.stream().filter(CheckpointStore.Manifest::torchScript).count();
            body.append("<p>").append(runs.size()).append(imported == 0 ? " training runs: " : imported == runs.size()
                    ? " imported runs (TorchScript files trained elsewhere; no training curves): " : " runs (trained here or imported): ");
            List<String> r = new ArrayList<>();
            for (CheckpointStore.Manifest mf : runs) {
                r.add(mf.run() + " (" + mf.checkpoints().size() + " checkpoints" + (mf.torchScript() && imported < runs.size() ? ", imported" : "") + ")");
            }
            body.append(esc(String.join(", ", r))).append(".</p>\n");
            importedRuns(runs);
        }
        diverged();
        querySets();
        body.append("<details><summary>Configuration and versions (experiment.json)</summary><pre>").append(esc(m.writeValueAsString(cfg)))
                .append("</pre></details>\n");
        return runs;
    }

    /**
     * Where each imported run came from, as its last checkpoint's sidecar says: the torch that exported it, the
     * normalisation and spacing its scans are prepared with, its axis order and its taps.
     */
    private void importedRuns(List<CheckpointStore.Manifest> runs) {
        List<String> lines = new ArrayList<>();
        for (CheckpointStore.Manifest mf : runs) {
            if (!mf.torchScript() || mf.checkpoints().isEmpty()) continue;
            int step = mf.checkpoints().get(mf.checkpoints().size() - 1).step();
            Path side = new CheckpointStore(exp, mf.run()).sidecarFile(step);
            try {
                dev.unetscope.model.TorchScriptSidecar sc = dev.unetscope.model.TorchScriptSidecar.read(side);
                List<String> taps = new ArrayList<>();
                for (dev.unetscope.model.TorchScriptSidecar.TapSpec t : sc.taps()) taps.add(t.name());
                String axes = sc.meta() == null ? "" : sc.meta().path("axes").asText("");
                lines.add(mf.run() + ": exported with torch " + sc.torch()
                        + "; normalisation " + normalisation(sc.normalization())
                        + "; spacing " + (sc.spacing() == null ? "none recorded" : java.util.Arrays.toString(sc.spacing()) + " mm")
                        + (axes.isEmpty() ? "" : "; trained on " + axes + " volumes")
                        + "; taps " + String.join(", ", taps));
            } catch (RuntimeException e) {
                lines.add(mf.run() + ": sidecar " + side.getFileName() + " unreadable (" + e.getMessage() + ")");
            }
        }
        if (lines.isEmpty()) return;
        body.append("<ul>");
        for (String l : lines) body.append("<li>").append(esc(l)).append("</li>");
        body.append("</ul>\n");
    }

    /** A sidecar's normalisation as text: its name, with its numbers when it has any (one per channel when a list). */
    static String normalisation(com.fasterxml.jackson.databind.JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return "none recorded";
        if (n.isTextual()) return n.asText();
        if (n.isArray()) {
            List<String> each = new ArrayList<>();
            n.forEach(c -> each.add(normalisation(c)));
            return String.join(" / ", each);
        }
        List<String> nums = new ArrayList<>();
        n.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("name")) nums.add(e.getKey() + " " + e.getValue().asText());
        });
        return n.path("name").asText("?") + (nums.isEmpty() ? "" : " (" + String.join(", ", nums) + ")");
    }

    /**
     * The checkpoints that diverged (NaN or Inf weights or outputs), named with their reason: their
     * NaN scores are a finding, not missing values, and the correlations leave them out.
     */
    private void diverged() {
        java.util.Map<String, String> found = new java.util.TreeMap<>();
        for (String name : List.of(ResultFiles.CHECKPOINTS_CSV, ResultFiles.LAYERS_CSV)) {
            Path f = exp.resultsDir().resolve(name);
            if (!Files.isRegularFile(f)) continue;
            CsvTable t = CsvTable.read(f);
            if (!t.header().contains("reason")) continue;
            for (var r : t.records()) {
                if (dev.unetscope.model.Divergence.is(r.get("reason"))) found.putIfAbsent(r.get("run") + " step " + r.get("step"), r.get("reason"));
            }
        }
        if (found.isEmpty()) return;
        body.append("<div class=\"diverged\"><b>").append(found.size()).append(" checkpoint(s) diverged</b> (NaN or Inf weights or outputs): ")
                .append("they stay in every table with NaN IoU and scores and this reason, and the correlations and the predictor leave them out.<ul>");
        for (var e : found.entrySet()) body.append("<li>").append(esc(e.getKey())).append(": ").append(esc(e.getValue())).append("</li>");
        body.append("</ul></div>\n");
    }

    /** Each query set with its case count and whether it had labels (only labelled sets have IoU, correlations and predictor rows). */
    private void querySets() {
        List<String> sets = new ArrayList<>();
        boolean anyUnlabelled = false;
        for (ExperimentData.Query q : ExperimentData.queries(exp).values()) {
            try {
                ExperimentData.QueryInfo i = ExperimentData.info(exp, q);
                anyUnlabelled |= !i.labelled();
                sets.add(q.name() + " (" + (i.labelled() ? "labelled" : "unlabelled") + ", " + i.cases() + " cases)");
            } catch (dev.unetscope.io.BadInputException ex) {
                sets.add(q.name() + " (unreadable: " + ex.getMessage() + ")");
            }
        }
        if (sets.isEmpty()) return;
        body.append("<p>Query sets: ").append(esc(String.join(", ", sets))).append(".");
        if (anyUnlabelled) body.append(" Unlabelled sets have label-free scores only: no IoU, and they take no part in the correlations or the predictor.");
        body.append("</p>\n");
    }

    private void correlationTable(CsvTable corr) {
        body.append("<h3>Correlation with test IoU over (checkpoint, query set) pairs</h3>\n<p>Pearson r is the seed's headline; ")
                .append("intervals are 95 % bootstrap intervals resampling checkpoints. <i>within</i> centres score and IoU on each checkpoint's ")
                .append("mean over query sets: does the score rank the query sets for a fixed model? Click a header to sort.</p>\n");
        Map<String, Map<String, Map<String, String>>> byScore = new LinkedHashMap<>();
        for (Map<String, String> r : corr.records()) {
            if (!r.get("scope").equals("all") && !r.get("scope").equals("within")) continue;
            byScore.computeIfAbsent(r.get("score"), k -> new LinkedHashMap<>()).put(r.get("method"), r);
        }
        body.append("<table class=\"sortable\" id=\"corr\"><thead><tr><th>score</th><th>n</th><th>Pearson r</th><th>95 % interval</th><th>p</th>")
                .append("<th>Spearman &rho;</th><th>Kendall &tau;</th><th>r within checkpoint</th><th>interval</th></tr></thead><tbody>\n");
        for (Map.Entry<String, Map<String, Map<String, String>>> e : byScore.entrySet()) {
            Map<String, String> p = e.getValue().get("pearson"), s = e.getValue().get("spearman"), k = e.getValue().get("kendall");
            Map<String, String> w = e.getValue().get("pearson_within");
            if (p == null) continue;
            body.append("<tr><td>").append(esc(e.getKey())).append(reason(p)).append("</td><td>").append(p.get("n")).append("</td>")
                    .append(num(p.get("value"))).append("<td>[").append(f(p.get("lo"))).append(", ").append(f(p.get("hi"))).append("]</td>")
                    .append(num(p.get("p"))).append(num(s == null ? "" : s.get("value"))).append(num(k == null ? "" : k.get("value")))
                    .append(num(w == null ? "" : w.get("value"))).append("<td>").append(w == null ? "" : "[" + f(w.get("lo")) + ", " + f(w.get("hi")) + "]")
                    .append("</td></tr>\n");
        }
        body.append("</tbody></table>\n");
    }

    private void predictorSummary(CsvTable summary) {
        body.append("<h3>Predicting IoU of an unlabelled cohort</h3><p>A ridge regression of IoU on the label-free scores (combined and per layer), ")
                .append("each fold fitted without the held-out objective or query set; its interval is conformal (jackknife+ over the held-out groups, ")
                .append("calibrated on the other groups alone), and coverage is the share of held-out cohorts whose IoU falls inside:</p><ul>");
        for (Map<String, String> r : summary.records()) {
            body.append("<li>").append(esc(r.get("scheme"))).append(": mean absolute error ").append(f(r.get("mae")))
                    .append(", interval coverage ").append(f(r.get("coverage"))).append(" at nominal ").append(f(r.get("nominal")))
                    .append(", mean half-width ").append(f(r.get("mean_half_width"))).append(" (").append(r.get("folds")).append(" folds)")
                    .append(r.get("reason").isEmpty() ? "" : " &mdash; " + esc(r.get("reason"))).append("</li>");
        }
        body.append("</ul>\n");
    }

    /** Roughness against the Jacobian norm it stands for, and each against IoU, per layer (results/jacobian_roughness.csv). */
    private void surrogateAgreement() {
        CsvTable t = optional(ResultFiles.JACOBIAN_ROUGHNESS_CSV);
        if (t == null) return;
        Map<String, Map<String, String>> at = new LinkedHashMap<>();
        for (Map<String, String> r : t.records()) at.put(r.get("layer") + "|" + r.get("pair") + "|" + r.get("scope") + "|" + r.get("method"), r);
        body.append("<h3>Roughness and the quantity it stands for</h3>\n<p>The seed calls roughness a cheap surrogate for the magnitude of the ")
                .append("Jacobian around a query point. <i>jacobian</i> computes it: the root mean square, over sampled positions and channels, of the ")
                .append("norm of the gradient of each standardised feature with respect to the image, by random projections through autograd. ")
                .append("Pearson r over (checkpoint, query set) pairs with 95 % intervals resampling checkpoints; Spearman &rho; beside:</p>\n")
                .append("<table><thead><tr><th>layer</th><th>n</th><th>r(roughness, jacobian)</th><th>interval</th><th>&rho;</th>")
                .append("<th>within checkpoint</th><th>r(roughness, IoU)</th><th>interval</th><th>r(jacobian, IoU)</th><th>interval</th></tr></thead><tbody>\n");
        for (String layer : SurrogateAgreement.layers(t)) {
            Map<String, String> rj = at.get(layer + "|roughness~jacobian|all|pearson");
            if (rj == null) continue;
            Map<String, String> rs = at.get(layer + "|roughness~jacobian|all|spearman"), rw = at.get(layer + "|roughness~jacobian|within-checkpoint|pearson_within");
            Map<String, String> ri = at.get(layer + "|roughness~iou|all|pearson"), ji = at.get(layer + "|jacobian~iou|all|pearson");
            body.append("<tr><td>").append(esc(layer)).append(reason(rj)).append("</td><td>").append(rj.get("n")).append("</td>").append(num(rj.get("value")))
                    .append("<td>").append(bracket(rj)).append("</td>").append(num(rs == null ? "" : rs.get("value"))).append(num(rw == null ? "" : rw.get("value")))
                    .append(num(ri == null ? "" : ri.get("value"))).append("<td>").append(bracket(ri)).append("</td>")
                    .append(num(ji == null ? "" : ji.get("value"))).append("<td>").append(bracket(ji)).append("</td></tr>\n");
        }
        body.append("</tbody></table>\n");
    }

    private static String bracket(Map<String, String> r) {
        return r == null ? "" : "[" + f(r.get("lo")) + ", " + f(r.get("hi")) + "]";
    }

    /** How far to trust the answers predict gives at a new site, measured on the labelled sets (results/case_prediction_summary.csv, checkpoint_ranking.csv). */
    private void deploymentAnswers() {
        List<Map<String, String>> cs = CasePrediction.readSummaries(exp.resultsDir());
        CsvTable ranking = optional(ResultFiles.CHECKPOINT_RANKING_CSV);
        if (cs.isEmpty() && ranking == null) return;
        body.append("<h3>At a new site: which scans will fail, which checkpoint to deploy</h3><ul>");
        for (Map<String, String> c : cs) {
            body.append("<li>Per case: a ridge regression of each case's IoU on its label-free per-case scores and their means over the case's cohort, ").append(esc(c.get("scheme")))
                    .append(": mean absolute error ").append(f(c.get("mae"))).append(", conformal interval coverage ").append(f(c.get("coverage")))
                    .append(" at nominal ").append(f(c.get("nominal"))).append(", mean half-width ").append(f(c.get("mean_half_width"))).append(" (")
                    .append(c.get("n")).append(" case/checkpoint pairs)").append(c.get("reason").isEmpty() ? "" : " &mdash; " + esc(c.get("reason"))).append("</li>")
                    .append("<li>Failure flags (predicted IoU &lt; ").append(f(c.get("threshold"))).append("), held-out: AUROC ").append(f(c.get("auroc")))
                    .append(" pooled, ").append(f(c.get("auroc_per_set"))).append(" within a checkpoint and query set; share of true failures caught ")
                    .append("when the 10 % of cases predicted worst are reviewed ").append(f(c.get("caught_10"))).append(" (").append(f(c.get("caught_10_per_set")))
                    .append(" within a set), 20 %: ").append(f(c.get("caught_20"))).append(" (").append(f(c.get("caught_20_per_set"))).append("); ")
                    .append(c.get("flagged")).append(" pairs flagged, precision ").append(f(c.get("flag_precision"))).append(", recall ")
                    .append(f(c.get("flag_recall"))).append(".</li>");
        }
        if (ranking != null && !ranking.records().isEmpty()) {
            double top1 = 0, regret = 0, max = 0, within = 0;
            List<Map<String, String>> rs = ranking.records();
            for (Map<String, String> r : rs) {
                top1 += d(r.get("top1"));
                regret += d(r.get("regret"));
                max = Math.max(max, d(r.get("regret")));
                within += d(r.get("best_indistinguishable"));
            }
            body.append("<li>Per checkpoint: ranking every checkpoint by its predicted IoU on a query set the predictor never saw (leave-one-query-set-out), ")
                    .append("the top pick is the truly best checkpoint in ").append(Math.round(top1)).append(" of ").append(rs.size())
                    .append(" query sets (top-1 agreement ").append(String.format("%.3f", top1 / rs.size())).append("); IoU lost by deploying it instead of the best (regret): mean ").append(String.format("%.3f", regret / rs.size()))
                    .append(", largest ").append(String.format("%.3f", max)).append("; the truly best is indistinguishable from the pick (overlapping intervals) in ")
                    .append(String.format("%.3f", within / rs.size())).append(".</li>");
        }
        body.append("</ul>\n");
    }

    /** One block per folder under predictions/: the checkpoints ranked, the top pick's cases by risk, the flagged cases' strips. */
    private void predictions() throws Exception {
        Path root = exp.root().resolve(ResultFiles.PREDICTIONS_DIR);
        if (!Files.isDirectory(root)) return;
        List<Path> folders;
        try (var s = Files.list(root)) {
            folders = s.filter(p -> !p.getFileName().toString().startsWith(".") && Files.isRegularFile(p.resolve("prediction.json"))).sorted().toList();
        }
        if (folders.isEmpty()) return;
        section("Predictions on new scans");
        for (Path p : folders) {
            com.fasterxml.jackson.databind.JsonNode j = new ObjectMapper().readTree(p.resolve("prediction.json").toFile());
            String name = p.getFileName().toString();
            body.append("<h3 id=\"prediction-").append(esc(name)).append("\">").append(esc(name)).append("</h3><p>").append(j.path("cases").asInt())
                    .append(" unlabelled cases from <code>").append(esc(j.path("query").asText())).append("</code>, predicted ").append(esc(j.path("created").asText()))
                    .append(" (<a href=\"../predictions/").append(esc(name)).append("/checkpoints.csv\">checkpoints.csv</a>, <a href=\"../predictions/")
                    .append(esc(name)).append("/cases.csv\">cases.csv</a>).</p>\n");
            for (com.fasterxml.jackson.databind.JsonNode n : j.path("notes")) body.append("<p class=\"why\">").append(esc(n.asText())).append("</p>\n");
            CsvTable ck = CsvTable.read(p.resolve("checkpoints.csv"));
            body.append("<table class=\"sortable\"><thead><tr><th>rank</th><th>checkpoint</th><th>objective</th><th>predicted IoU</th><th>interval</th>")
                    .append("<th>indistinguishable from the top</th><th>flagged cases</th></tr></thead><tbody>\n");
            for (Map<String, String> r : ck.records()) {
                body.append("<tr><td>").append(r.get("rank")).append("</td><td>").append(esc(r.get("run") + ":" + r.get("step"))).append("</td><td>")
                        .append(esc(r.get("objective"))).append("</td>").append(num(r.get("predicted_iou"))).append("<td>").append(interval(r))
                        .append("</td><td>").append(r.get("indistinguishable").equals("1") ? "yes" : "no").append("</td><td>")
                        .append(r.get("flagged_cases")).append(" / ").append(r.get("cases")).append("</td></tr>\n");
            }
            body.append("</tbody></table>\n");
            CsvTable cases = CsvTable.read(p.resolve("cases.csv"));
            List<Score> columns = Scores.at(Score.Level.CASE);
            body.append("<p>Cases under the top pick, riskiest first (predicted IoU below ").append(String.format("%.2f", j.path("failureThreshold").asDouble()))
                    .append(" is flagged for review):</p><table class=\"sortable\"><thead><tr><th>case</th><th>predicted IoU</th><th>interval</th><th>flagged</th>");
            for (Score c : columns) body.append("<th title=\"").append(esc(c.description())).append("\">").append(esc(c.name().replace('_', ' '))).append("</th>");
            body.append("</tr></thead><tbody>\n");
            for (Map<String, String> r : cases.records()) {
                if (!r.get("rank").equals("1")) continue;
                boolean flagged = r.get("flagged").equals("1");
                body.append("<tr").append(flagged ? " class=\"failed\"" : "").append("><td>").append(esc(r.get("case"))).append("</td>").append(num(r.get("predicted_iou")))
                        .append("<td>").append(interval(r)).append("</td><td>").append(flagged ? "yes" : "no").append("</td>");
                for (Score c : columns) body.append(num(r.get(c.name())));
                body.append("</tr>\n");
            }
            body.append("</tbody></table>\n");
            if (j.path("strips").size() > 0) {
                body.append("<p>Why a case was flagged: its feature strip under the top pick beside an in-distribution case (the same projection and clusters, ")
                        .append("fitted on the training features), no ground truth drawn for the new scans.</p><div class=\"strips\">\n");
                for (com.fasterxml.jackson.databind.JsonNode f : j.path("strips")) {
                    String src = "../predictions/" + name + "/figures/" + f.asText();
                    body.append("<figure><img src=\"").append(esc(src)).append("\" alt=\"").append(esc(f.asText())).append("\"></figure>\n");
                }
                body.append("</div>\n");
            }
        }
    }

    /** A prediction interval clipped to the range IoU can take. */
    private static String interval(Map<String, String> r) {
        return String.format("[%.3f, %.3f]", Math.max(0, d(r.get("lo"))), Math.min(1, d(r.get("hi"))));
    }

    private CsvTable optional(String name) {
        Path f = exp.resultsDir().resolve(name);
        return Files.isRegularFile(f) ? CsvTable.read(f) : null;
    }

    /**
     * The seed's protocol first, as its slide shows it: each score on the validation split's inputs
     * against the checkpoint's test IoU, one point per checkpoint, colour by objective; validation IoU
     * (labelled) beside it as the reference a label-free score must beat.
     */
    private void seedProtocol(CsvTable corr, CsvTable validation, CsvTable ck) {
        Map<String, Map<String, String>> pearson = new LinkedHashMap<>(), gap = new LinkedHashMap<>();
        for (Map<String, String> r : corr.records()) {
            if (!r.get("method").equals("pearson")) continue;
            if (r.get("scope").equals(GeneralizationStudy.SEED_PROTOCOL)) pearson.put(r.get("score"), r);
            if (r.get("scope").equals(GeneralizationStudy.SEED_PROTOCOL_GAP)) gap.put(r.get("score"), r);
        }
        if (pearson.isEmpty()) return;
        Map<CheckpointId, Map<String, String>> test = new LinkedHashMap<>();
        for (Map<String, String> r : ck.records()) if (r.get("query").equals(ResultFiles.TEST)) test.put(CheckpointId.of(r), r);
        int n = (int) d(pearson.values().iterator().next().get("n"));
        body.append("<h3>The seed's protocol: scores on the validation inputs against test IoU</h3><p>The question of the paper: from the ")
                .append("training and validation <em>inputs</em> alone (no labels), which checkpoint will generalise? Each point is one checkpoint: ")
                .append("its score computed on the validation split's images, against its IoU on the test split. Pearson r with a 95 % bootstrap ")
                .append("interval over checkpoints; ").append(n).append(" checkpoints here")
                .append(n < 60 ? ", so the intervals are wide (the seed used 120)" : "").append(". Validation IoU needs the validation labels: it is the ")
                .append("reference a label-free score has to beat.</p>\n<div class=\"grid\">\n");
        List<String> shown = new ArrayList<>(List.of(Scores.CONFIDENCE.name(), Scores.ROUGHNESS.name()));
        String bestFree = null;
        double bestR = -1;
        for (Score sc : Scores.at(Score.Level.SET)) {
            Map<String, String> p = pearson.get(sc.name());
            if (!sc.labelFree() || p == null || Double.isNaN(d(p.get("value")))) continue;
            if (Math.abs(d(p.get("value"))) > bestR) {
                bestR = Math.abs(d(p.get("value")));
                bestFree = sc.name();
            }
        }
        if (bestFree != null && !shown.contains(bestFree)) shown.add(bestFree);
        shown.add(GeneralizationStudy.VAL_IOU);
        for (String score : shown) {
            List<Plots.Point> pts = new ArrayList<>();
            for (Map<String, String> v : validation.records()) {
                Map<String, String> t = test.get(CheckpointId.of(v));
                if (t == null) continue;
                double x = score.equals(GeneralizationStudy.VAL_IOU) ? d(t.get("val_iou")) : d(v.get(score));
                pts.add(new Plots.Point(x, d(t.get("iou")), v.get("objective"), "checkpoint"));
            }
            Map<String, String> p = pearson.get(score);
            String label = score.equals(GeneralizationStudy.VAL_IOU) ? "validation IoU (labelled)" : score + " on validation inputs";
            String title = label + (p == null ? "" : String.format(": r = %s [%s, %s]", f(p.get("value")), f(p.get("lo")), f(p.get("hi"))));
            image(Plots.scatterWithSharedLegend(title, label, "test IoU", pts, "objective"), "seed_" + score + ".png", title);
        }
        body.append("</div>\n");
        Map<String, String> ref = pearson.get(GeneralizationStudy.VAL_IOU);
        if (ref != null && bestFree != null) {
            double refR = Math.abs(d(ref.get("value")));
            body.append("<p><b>").append(bestR > refR ? "A label-free score beats validation IoU here: " : "No label-free score beats validation IoU here: ")
                    .append(esc(bestFree)).append(" |r| ").append(String.format("%.3f", bestR)).append(" against validation IoU's ")
                    .append(String.format("%.3f", refR)).append(".</b></p>\n");
        }
        body.append("<table class=\"sortable\"><thead><tr><th>score (on validation inputs)</th><th>n</th><th>r with test IoU</th><th>95 % interval</th>")
                .append("<th>r with the gap (val IoU &minus; test IoU)</th></tr></thead><tbody>\n");
        for (Map.Entry<String, Map<String, String>> e : pearson.entrySet()) {
            Map<String, String> r = e.getValue(), g = gap.get(e.getKey());
            body.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(r.get("n")).append("</td>").append(num(r.get("value")))
                    .append("<td>[").append(f(r.get("lo"))).append(", ").append(f(r.get("hi"))).append("]</td>").append(g == null ? "<td></td>" : num(g.get("value")))
                    .append("</tr>\n");
        }
        body.append("</tbody></table><p>Rows <code>c_LAYER</code> and <code>roughness_LAYER</code> are the per-layer forms, so the layers that carry ")
                .append("the signal are visible; the combined confidence weights layers uniformly.</p>\n");
    }

    private void scatters(CsvTable ck, CsvTable corr) {
        Map<String, Map<String, String>> pearson = new LinkedHashMap<>();
        if (corr != null) {
            for (Map<String, String> r : corr.records()) if (r.get("scope").equals("all") && r.get("method").equals("pearson")) pearson.put(r.get("score"), r);
        }
        body.append("<h3>Each score against test IoU</h3><p>Colour: objective; marker: query set. One point per checkpoint and query set.</p><div class=\"grid\">\n");
        for (Score sc : Scores.at(Score.Level.SET)) {
            String score = sc.name();
            if (!ck.header().contains(score)) continue;
            List<Plots.Point> pts = new ArrayList<>();
            for (Map<String, String> r : ck.records()) {
                pts.add(new Plots.Point(d(r.get(score)), d(r.get("iou")), r.get("run"), r.get("query")));
            }
            Map<String, String> p = pearson.get(score);
            String title = score + (p == null ? "" : String.format(": r = %s [%s, %s]", f(p.get("value")), f(p.get("lo")), f(p.get("hi"))));
            image(Plots.scatterWithSharedLegend(title, score, "test IoU", pts, "run"), "scatter_" + score + ".png", title);
        }
        body.append("</div>\n");
    }

    private void predictedVsTrue(CsvTable prediction) {
        String scheme = prediction.records().stream().map(r -> r.get("scheme")).filter(s -> s.contains("objective")).findFirst()
                .orElse(prediction.records().isEmpty() ? null : prediction.records().get(0).get("scheme"));
        if (scheme == null) return;
        List<Plots.Point> pts = new ArrayList<>();
        for (Map<String, String> r : prediction.records()) {
            if (r.get("scheme").equals(scheme)) pts.add(new Plots.Point(d(r.get("iou")), d(r.get("predicted")), r.get("run"), r.get("query")));
        }
        body.append("<div class=\"grid\">");
        image(Plots.scatterWithSharedLegend("Predicted vs true IoU (" + scheme + "; grey line: predicted = true)", "true test IoU", "predicted IoU", pts, "run",
                c -> Plots.identity(c, 0, 1)), "predicted_vs_true.png", "predicted vs true IoU");
        body.append("</div>\n");
    }

    private void trainingCurves(CsvTable training) {
        Map<String, double[][]> loss = new LinkedHashMap<>();
        Map<String, List<double[]>> pts = new LinkedHashMap<>();
        for (Map<String, String> r : training.records()) pts.computeIfAbsent(r.get("run"), k -> new ArrayList<>()).add(new double[] {d(r.get("step")), d(r.get("loss"))});
        for (Map.Entry<String, List<double[]>> e : pts.entrySet()) loss.put(e.getKey(), xy(e.getValue()));
        Map<String, double[][]> val = new LinkedHashMap<>();
        for (CheckpointStore.Manifest m : CheckpointStore.all(exp)) {
            List<double[]> v = new ArrayList<>();
            for (CheckpointStore.Entry e : m.checkpoints()) v.add(new double[] {e.step(), e.valIoU()});
            val.put(m.run(), xy(v));
        }
        body.append("<div class=\"grid\">");
        figure(Plots.lines("Training loss", "step", "loss", loss), "training_loss.png", "training loss");
        figure(Plots.lines("Validation IoU at each checkpoint", "step", "validation IoU", val), "validation_iou.png", "validation IoU");
        body.append("</div>\n");
    }

    /** At most this many objectives get a trajectory figure (an experiment with more lists the rest). */
    static final int MAX_TRAJECTORY_FIGURES = 8;

    /**
     * Generalisation over training, one figure per objective: IoU and each label-free score (set level) against
     * the training step, a line per query set, one panel per score (IoU first) on a shared step axis, so the eye
     * sees where a score follows IoU and where it stops. An objective with replicates shows its first replicate.
     */
    private void trajectories(CsvTable ck) {
        Map<String, String> runOf = new LinkedHashMap<>();
        Map<String, Integer> replicateOf = new HashMap<>();
        for (Map<String, String> r : ck.records()) {
            int rep = r.containsKey("replicate") && !r.get("replicate").isEmpty() ? Integer.parseInt(r.get("replicate")) : 0;
            String obj = r.get("objective") == null || r.get("objective").isEmpty() ? r.get("run") : r.get("objective");
            if (!runOf.containsKey(obj) || rep < replicateOf.get(obj) || (rep == replicateOf.get(obj) && r.get("run").compareTo(runOf.get(obj)) < 0)) {
                runOf.put(obj, r.get("run"));
                replicateOf.put(obj, rep);
            }
        }
        List<Score> scores = new ArrayList<>();
        for (Score sc : Scores.at(Score.Level.SET)) if (sc.labelFree() && ck.header().contains(sc.name())) scores.add(sc);
        body.append("<h3>Generalisation over training: IoU and the label-free scores at every checkpoint</h3><p>One figure per objective; ")
                .append("one panel per score (IoU first), every panel on the same step axis, one line per query set. Where a score's panel ")
                .append("rises and falls with the IoU panel it tracks generalisation; where the lines part ways (a shifted set whose score ")
                .append("keeps improving while its IoU falls) it stops tracking it. Arrows say which way is confident.</p>\n<div class=\"strips\">");
        int shown = 0;
        for (Map.Entry<String, String> e : runOf.entrySet()) {
            if (shown == MAX_TRAJECTORY_FIGURES) {
                body.append("<p>").append(runOf.size() - shown).append(" more objectives are not drawn (the figures are bounded); their values are in results/checkpoints.csv.</p>");
                break;
            }
            String run = e.getValue();
            List<Plots.Panel> panels = new ArrayList<>();
            panels.add(new Plots.Panel("IoU (labelled sets) \u2191", "IoU", bySet(ck, run, "iou")));
            for (Score sc : scores) {
                Map<String, double[][]> series = bySet(ck, run, sc.name());
                // a score this experiment has no values of (replicate agreement without replicates) gets no panel
                if (series.values().stream().noneMatch(v -> java.util.Arrays.stream(v[1]).anyMatch(Double::isFinite))) continue;
                panels.add(new Plots.Panel(sc.name().replace('_', ' ') + (sc.higherIsConfident() ? " \u2191" : " \u2193"), unit(sc.name()), series));
            }
            image(Plots.smallMultiples(e.getKey() + " (run " + run + "): IoU and each label-free score against the training step, per query set "
                            + "(\u2191 higher = more confident, \u2193 lower = more confident)", "training step", panels, 4, false),
                    "trajectory_" + safe(e.getKey()) + ".png", e.getKey() + " trajectory");
            shown++;
        }
        body.append("</div>\n");
    }

    /** One run's column {@code column} from checkpoints.csv against the step, one series per query set. */
    private static Map<String, double[][]> bySet(CsvTable ck, String run, String column) {
        Map<String, List<double[]>> pts = new LinkedHashMap<>();
        for (Map<String, String> r : ck.records()) {
            if (r.get("run").equals(run)) pts.computeIfAbsent(r.get("query"), k -> new ArrayList<>()).add(new double[] {d(r.get("step")), d(r.get(column))});
        }
        Map<String, double[][]> out = new LinkedHashMap<>();
        pts.forEach((q, v) -> out.put(q, xy(v)));
        return out;
    }

    /** The y-axis title of a score: what it is measured in. */
    static String unit(String score) {
        if (score.equals("iou")) return "IoU";
        if (score.equals("confidence")) return "log-likelihood / dim";
        if (score.startsWith("roughness") || score.equals("db_labels")) return "Davies-Bouldin index";
        if (score.startsWith("entropy")) return "entropy (bits)";
        if (score.equals("mahalanobis")) return "distance (std. units)";
        if (score.equals("mahalanobis_pca") || score.equals("mahalanobis_pooled")) return "distance / sqrt(dims) (std. units)";
        if (score.equals("knn_distance")) return "k-th NN distance / sqrt(channels)";
        if (score.equals("jacobian")) return "RMS Jacobian norm (std. units)";
        if (score.equals("softmax_confidence") || score.equals("gland_confidence")) return "probability";
        if (score.endsWith("_iou") || score.endsWith("_agreement")) return "IoU-like (0-1)";
        return score.replace('_', ' '); // a score without a unit here: its own name, never a wrong unit
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * The seed's per-layer curves as small multiples: c_l and roughness_l against the step, one panel per
     * layer on shared axes, one line per run, on the query set {@code test}.
     */
    private void layerSmallMultiples(CsvTable layers) {
        body.append("<h3>Per layer across training (query set <i>test</i>)</h3><p>One panel per layer, from the first encoder unit to the ")
                .append("last decoder unit, all on the same axes so the layers compare; one line per run.</p><div class=\"strips\">");
        Map<String, Map<String, List<double[]>>> conf = new LinkedHashMap<>(), rough = new LinkedHashMap<>();
        for (Map<String, String> r : layers.records()) {
            if (!r.get("query").equals("test")) continue;
            conf.computeIfAbsent(r.get("layer"), k -> new LinkedHashMap<>()).computeIfAbsent(r.get("run"), k -> new ArrayList<>())
                    .add(new double[] {d(r.get("step")), d(r.get("confidence"))});
            rough.computeIfAbsent(r.get("layer"), k -> new LinkedHashMap<>()).computeIfAbsent(r.get("run"), k -> new ArrayList<>())
                    .add(new double[] {d(r.get("step")), d(r.get("roughness"))});
        }
        for (String what : List.of("confidence", "roughness")) {
            List<Plots.Panel> panels = new ArrayList<>();
            (what.equals("confidence") ? conf : rough).forEach((layer, runs) -> {
                Map<String, double[][]> series = new LinkedHashMap<>();
                runs.forEach((run, v) -> series.put(run, xy(v)));
                panels.add(new Plots.Panel(layer, what.equals("confidence") ? "c_l (log-likelihood / dim)" : "roughness_l (Davies-Bouldin)", series));
            });
            if (panels.isEmpty()) continue;
            String title = what.equals("confidence") ? "Confidence c_l per layer against the training step (higher = features more like the training features)"
                    : "Roughness per layer against the training step (Davies-Bouldin of the layer's output grouped by clusters of its input)";
            image(Plots.smallMultiples(title, "training step", panels, Math.min(4, panels.size()), true), "layers_" + what + ".png", title);
        }
        body.append("</div>\n");
    }

    /** At most this many feature strips in a report (cases x checkpoints), so a large experiment's page stays small. */
    static final int MAX_STRIPS = 42;
    /** The strips' PNGs stop at about this many bytes: after the final checkpoint's, another checkpoint's only while they fit. */
    static final long STRIP_BUDGET_BYTES = 3_000_000;
    /** At most this many training cases fit a strip's PCA and clusters (the first of the training split). */
    static final int MAX_STRIP_TRAINING_CASES = 32;

    /**
     * Which of a run's checkpoints get strips: {@code perRun} evenly spaced from the first to the final one,
     * fewer when {@code cases} strips per checkpoint would pass {@link #MAX_STRIPS} (the final one always kept).
     */
    static List<Integer> stripCheckpoints(int checkpoints, int perRun, int cases) {
        int n = Math.max(1, Math.min(perRun, MAX_STRIPS / Math.max(1, cases)));
        LinkedHashSet<Integer> pick = new LinkedHashSet<>();
        if (n == 1) pick.add(checkpoints - 1);
        else for (int i = 0; i < n; i++) pick.add((int) Math.round(i * (checkpoints - 1) / (double) (n - 1)));
        return new ArrayList<>(pick);
    }

    /**
     * Feature strips of the chosen cases ({@link CaseChoice}: worst, median and best of each query set under the
     * reference run's final checkpoint) at a few of the reference run's checkpoints; a chooser picks the
     * checkpoint, the case (two at a time, to compare) and the layer shown enlarged.
     */
    private void strips(int perRun, int perSet) throws Exception {
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        if (runs.isEmpty() || perRun <= 0 || perSet <= 0) {
            body.append("<p>No feature strips (").append(runs.isEmpty() ? "no checkpoints" : "none asked for").append(").</p>");
            return;
        }
        Map<String, ExperimentData.Query> queries = ExperimentData.queries(exp);
        CaseChoice choice = CaseChoice.choose(exp, perSet);
        CheckpointStore.Manifest m = runs.stream().filter(r -> r.run().equals(choice.run())).findFirst().orElse(runs.get(0));
        List<CaseChoice.Case> cases = new ArrayList<>(choice.cases());
        if (cases.isEmpty()) {
            // before evaluation there is no IoU to rank by: the first test case
            String first = dev.unetscope.data.Splits.read(exp).get(ResultFiles.TEST).get(0);
            cases.add(new CaseChoice.Case(ResultFiles.TEST, first, "first test case", Double.NaN));
        }
        cases.removeIf(c -> !queries.containsKey(c.query()));
        if (cases.size() > MAX_STRIPS) cases = new ArrayList<>(cases.subList(0, MAX_STRIPS));
        List<CheckpointStore.Entry> es = m.checkpoints();
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(sampling.sampleSeed(), sampling.samplesPerCase(), ReceptiveFieldSampler.Mode.UNIFORM);
        Map<String, PreparedSet> sets = new LinkedHashMap<>();
        PreparedSet train = null;
        List<String> steps = new ArrayList<>(), taps = new ArrayList<>();
        StringBuilder data = new StringBuilder();
        List<Integer> planned = stripCheckpoints(es.size(), perRun, cases.size());
        // the final checkpoint first; each further one only while its strips (as large as the largest so far) fit the budget
        // then the other runs' final checkpoints (the objectives compared on the same cases), while the budget lasts
        List<CheckpointStore.Manifest> orderRuns = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int idx : planned.subList(planned.size() - 1, planned.size())) {
            orderRuns.add(m);
            order.add(idx);
        }
        for (int idx : planned.subList(0, planned.size() - 1)) {
            orderRuns.add(m);
            order.add(idx);
        }
        for (CheckpointStore.Manifest other : runs) {
            if (other == m || other.checkpoints().isEmpty()) continue;
            orderRuns.add(other);
            order.add(other.checkpoints().size() - 1);
        }
        List<String> labels = new ArrayList<>();
        long stripBytes = 0, largest = 0;
        int left = 0;
        for (int o = 0; o < order.size(); o++) {
            int idx = order.get(o);
            CheckpointStore.Manifest run = orderRuns.get(o);
            if (!steps.isEmpty() && stripBytes + largest > STRIP_BUDGET_BYTES) {
                left++;
                continue;
            }
            CheckpointStore.Entry e = run.checkpoints().get(idx);
            long before = stripBytes;
            CheckpointRef ref = CheckpointRef.of(exp, run, e);
            try (SegmentationNetwork net = ref.open()) {
                dev.unetscope.data.Preprocessing prep = ref.preprocessing(exp);
                if (train == null) {
                    List<String> ids = dev.unetscope.data.Splits.read(exp).get("train");
                    train = PreparedSet.stream("train", ExperimentData.dataset(exp), ids.subList(0, Math.min(ids.size(), MAX_STRIP_TRAINING_CASES)), prep);
                    for (String q : cases.stream().map(CaseChoice.Case::query).distinct().toList()) {
                        List<String> ids2 = cases.stream().filter(c -> c.query().equals(q)).map(CaseChoice.Case::id).distinct().toList();
                        sets.put(q, PreparedSet.load(q, ExperimentData.queryDataset(exp, queries.get(q)), ids2, prep));
                    }
                }
                if (taps.isEmpty()) taps.addAll(net.tapNames());
                Map<String, FeatureStrip.LayerStyle> styles = FeatureStrip.fit(FeatureExtractor.extract(net, train, sampler, net.tapNames()), 6, 1);
                for (CaseChoice.Case c : cases) {
                    PreparedSet set = sets.get(c.query());
                    int i = set.ids().indexOf(c.id());
                    String file = "strip_" + safe(run.run() + "_" + e.step() + "_" + c.query() + "_" + c.id()) + ".png";
                    String title = run.run() + " step " + e.step() + ", " + c.query() + ", " + c.id() + " (" + c.role()
                            + (Double.isFinite(c.iou()) ? String.format(java.util.Locale.ROOT, ", IoU %.3f at step %d", c.iou(), choice.step()) : "") + ")";
                    java.awt.image.BufferedImage img = FeatureStrip.render(net, set, i, -1, styles, title);
                    Plots.writeImage(img, figures.resolve(file));
                    drawn.add(file);
                    stripBytes += Files.size(figures.resolve(file));
                    int w = set.dims(i)[2];
                    data.append(data.length() == 0 ? "" : ",").append("\"").append(jsEsc(run.run() + ":" + e.step())).append('|').append(jsEsc(c.query() + "|" + c.id())).append("\":{\"f\":\"figures/")
                            .append(jsEsc(file)).append("\",\"w\":").append(img.getWidth()).append(",\"h\":").append(img.getHeight()).append(",\"pw\":")
                            .append(FeatureStrip.panelWidth(w)).append(",\"x\":[");
                    for (int col = 0; col <= net.tapNames().size(); col++) data.append(col == 0 ? "" : ",").append(FeatureStrip.columnX(col, w));
                    data.append("]}");
                }
                steps.add(run.run() + ":" + e.step());
                labels.add(run.run() + " step " + e.step() + (run == m ? "" : " (final)"));
                largest = Math.max(largest, stripBytes - before);
            } catch (BadInputException ex) {
                missing.add("feature strips of " + run.run() + " step " + e.step() + ": " + ex.getMessage());
            }
        }
        if (steps.isEmpty()) {
            body.append("<p>No feature strips (no checkpoint could be drawn; see the list at the top).</p>");
            return;
        }
        body.append("<p>Each strip: one case on its axial slice with the most gland (anterior up), green the ground truth, magenta the prediction. ")
                .append("First column: the image (top) and the network's output probability p(gland) (bottom, black 0 to white 1). Then every layer from ")
                .append("the first encoder unit to the last decoder unit, its stride in voxels beside its name. Top row: the feature map's first three principal ")
                .append("components (fitted on the training features of that layer and checkpoint) as RGB, so the same colour means the same thing in every ")
                .append("strip of a checkpoint. Bottom row: k-means clusters of the features (k = 6). Where a shifted scan's features stop looking like the ")
                .append("in-distribution ones is what the label-free scores measure.").append(esc(channelNote())).append("</p>\n<p>The cases: on each query set, the ")
                .append(perSet == 1 ? "median case" : perSet == 2 ? "worst and best cases" : "worst, median and best cases")
                .append(" by IoU under the final evaluated checkpoint of run <b>").append(esc(m.run())).append("</b>")
                .append(choice.run().isEmpty() ? "" : " (step " + choice.step() + ", the run with the best mean IoU there)").append("; strips at ")
                .append(steps.stream().filter(x -> x.startsWith(m.run() + ":")).count()).append(" of its ").append(es.size())
                .append(" checkpoints and the final checkpoint of ").append(steps.stream().filter(x -> !x.startsWith(m.run() + ":")).count())
                .append(" other run(s) (").append(cases.size()).append(" cases, ")
                .append(steps.size() * cases.size()).append(" strips, at most ").append(MAX_STRIPS).append(")")
                .append(left == 0 ? "" : "; " + left + " more checkpoint(s) left out to keep the page small (ask for fewer --viewer-cases to see more checkpoints)")
                .append(".</p>\n");
        // the chooser lists the reference run's checkpoints by step (its final one selected), then the other runs' final ones
        List<Integer> shownOrder = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) shownOrder.add(i);
        shownOrder.sort(java.util.Comparator.comparing((Integer i) -> !steps.get(i).startsWith(m.run() + ":"))
                .thenComparingInt(i -> steps.get(i).startsWith(m.run() + ":") ? Integer.parseInt(steps.get(i).substring(m.run().length() + 1)) : i));
        List<String> sortedSteps = new ArrayList<>(), sortedLabels = new ArrayList<>();
        for (int i : shownOrder) {
            sortedSteps.add(steps.get(i));
            sortedLabels.add(labels.get(i));
        }
        steps.clear();
        steps.addAll(sortedSteps);
        String selected = m.run() + ":" + es.get(es.size() - 1).step();
        body.append("<div class=\"chooser\"><label>Checkpoint: <select id=\"strip-choice\" onchange=\"showStrips()\">");
        for (int i = 0; i < steps.size(); i++) {
            body.append("<option value=\"").append(esc(steps.get(i))).append(steps.get(i).equals(selected) ? "\" selected>" : "\">")
                    .append(esc(sortedLabels.get(i))).append("</option>");
        }
        body.append("</select></label> <label>Layer enlarged: <select id=\"strip-layer\" onchange=\"showStrips()\">");
        for (int i = 0; i < taps.size(); i++) {
            body.append("<option value=\"").append(i + 1).append(i == taps.size() / 2 ? "\" selected>" : "\">").append(esc(taps.get(i))).append("</option>");
        }
        body.append("</select></label></div>\n");
        // two cases side by side: by default the first chosen case and the same case id in another query set (or the next chosen case)
        int other = 1;
        for (int i = 1; i < cases.size(); i++) {
            if (cases.get(i).id().equals(cases.get(0).id()) && !cases.get(i).query().equals(cases.get(0).query())) {
                other = i;
                break;
            }
        }
        for (String side : cases.size() > 1 ? List.of("a", "b") : List.of("a")) {
            int def = side.equals("a") ? 0 : Math.min(other, cases.size() - 1);
            body.append("<div class=\"strip-view\"><label>Case: <select id=\"strip-case-").append(side).append("\" onchange=\"showStrips()\">");
            String group = null;
            for (int i = 0; i < cases.size(); i++) {
                CaseChoice.Case c = cases.get(i);
                if (!c.query().equals(group)) {
                    body.append(group == null ? "" : "</optgroup>").append("<optgroup label=\"").append(esc(c.query())).append("\">");
                    group = c.query();
                }
                body.append("<option value=\"").append(esc(c.query() + "|" + c.id())).append(i == def ? "\" selected>" : "\">").append(esc(c.query()))
                        .append(": ").append(esc(c.id())).append(" (").append(esc(c.role()))
                        .append(Double.isFinite(c.iou()) ? String.format(java.util.Locale.ROOT, ", IoU %.3f", c.iou()) : "").append(")</option>");
            }
            body.append("</optgroup></select></label><div class=\"strip-pair\"><img id=\"strip-").append(side)
                    .append("\" alt=\"feature strip\"><div class=\"strip-zoom\" id=\"strip-zoom-").append(side).append("\" title=\"the chosen layer, enlarged\"></div></div></div>\n");
        }
        body.append("<script>var STRIPS={").append(data).append("};</script>\n");
    }

    /** The interactive viewer (report/viewer.html, {@link Viewer}): a link, or one line saying why there is none. */
    private void viewerSection() throws Exception {
        viewer = new Viewer(exp, dir, sampling).write(viewerCases,
                viewerCheckpoints != null ? viewerCheckpoints : ViewerCheckpoints.resolve(exp, ViewerCheckpoints.DEFAULT));
        missing.addAll(viewer.problems());
        body.append("<h3 id=\"viewer\">Interactive viewer</h3>\n");
        if (!viewer.ok()) {
            if (viewerCases > 0) missing.add(viewer.reason());
            body.append("<p class=\"no-viewer\">").append(esc(viewer.reason())).append("</p>\n");
            return;
        }
        body.append("<p><a href=\"viewer.html\">Open the viewer</a>: each chosen case in three planes and 3D, in distribution beside the same patient ")
                .append("under a shift, with the ground truth, the prediction and every layer's features (PCA as RGB, k-means clusters) as overlays. ")
                .append(viewer.shown().size()).append(" cases (the per-case table links each) under ").append(viewer.checkpoints()).append(" checkpoints")
                .append(viewer.leftOut() > 0 ? " (" + viewer.leftOut() + " more left out by the viewer's byte budget; --viewer-checkpoints chooses)" : "")
                .append("; ").append(viewer.volumes()).append(" volumes, ")
                .append(String.format("%.1f", viewer.bytes() / 1e6)).append(" MB in report/viewer/volumes/.").append(esc(channelNote())).append("</p>\n");
    }

    /** Where the cases have several input channels: which one the strips and the viewer show; empty otherwise. */
    private String channelNote() {
        int c;
        try {
            c = dev.unetscope.data.ExperimentData.inputChannels(exp);
        } catch (BadInputException e) {
            return "";
        }
        return c > 1 ? " The image shown is input channel 0 of the " + c + " each case has (the network sees all " + c + ")." : "";
    }

    /** A string safe inside a double-quoted JavaScript literal in a script element. */
    static String jsEsc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("<", "\\u003c");
    }

    private void failureTable(CsvTable failure) {
        body.append("<h3>Flagging failed cases (IoU &lt; threshold) with each per-case score</h3><p>AUROC 0.5 is chance; AURC is the area under the ")
                .append("risk-coverage curve (lower is better; the oracle's is its floor). Mean over checkpoints:</p>\n");
        Map<String, double[]> agg = new TreeMap<>();
        for (Map<String, String> r : failure.records()) {
            double a = d(r.get("auroc")), c = d(r.get("aurc_failure")), o = d(r.get("oracle_aurc_failure"));
            double[] s = agg.computeIfAbsent(r.get("score"), k -> new double[5]);
            if (Double.isFinite(a)) {
                s[0] += a;
                s[1]++;
            }
            if (Double.isFinite(c)) {
                s[2] += c;
                s[3] += o;
                s[4]++;
            }
        }
        body.append("<table class=\"sortable\"><thead><tr><th>score</th><th>mean AUROC</th><th>checkpoints</th><th>mean AURC</th><th>oracle AURC</th></tr></thead><tbody>");
        for (Map.Entry<String, double[]> e : agg.entrySet()) {
            double[] s = e.getValue();
            body.append("<tr><td>").append(esc(e.getKey())).append("</td>").append(num(s[1] == 0 ? "NaN" : Double.toString(s[0] / s[1])))
                    .append("<td>").append((int) s[1]).append("</td>").append(num(s[4] == 0 ? "NaN" : Double.toString(s[2] / s[4])))
                    .append(num(s[4] == 0 ? "NaN" : Double.toString(s[3] / s[4]))).append("</tr>\n");
        }
        body.append("</tbody></table>\n");
    }

    private void caseTable(CsvTable scores, CsvTable cases) {
        Map<CaseKey, String> iou = new LinkedHashMap<>();
        for (Map<String, String> r : cases.records()) iou.put(CaseKey.of(r), r.get("iou"));
        List<Score> columns = Scores.at(Score.Level.CASE);
        Map<String, Integer> lastStep = new LinkedHashMap<>();
        for (Map<String, String> r : scores.records()) lastStep.merge(r.get("run"), Integer.parseInt(r.get("step")), Math::max);
        double cut = caseRowCut(scores, iou, lastStep);
        if (cut < Double.POSITIVE_INFINITY) {
            body.append("<p>The table shows the ").append(MAX_CASE_ROWS).append(" rows with the lowest IoU (the page stays small); every row is in ")
                    .append("<a href=\"../results/case_scores.csv\">results/case_scores.csv</a> and <a href=\"../results/cases.csv\">results/cases.csv</a>.</p>");
        }
        body.append("<h3>Per case, final checkpoint of each run</h3><table class=\"sortable\"><thead><tr><th>run</th><th>step</th><th>query</th><th>case</th>")
                .append("<th>IoU</th><th>failed</th>");
        for (Score c : columns) body.append("<th title=\"").append(esc(c.description())).append("\">").append(esc(c.name().replace('_', ' '))).append("</th>");
        body.append("</tr></thead><tbody>\n");
        for (Map<String, String> r : scores.records()) {
            if (Integer.parseInt(r.get("step")) != lastStep.get(r.get("run"))) continue;
            String v = iou.get(CaseKey.of(r));
            if (v == null) continue; // the validation split's scores: no test IoU
            if ((Double.isNaN(d(v)) ? Double.NEGATIVE_INFINITY : d(v)) > cut) continue;
            boolean failed = d(v) < failureThreshold;
            body.append("<tr").append(failed ? " class=\"failed\"" : "").append("><td>").append(esc(r.get("run"))).append("</td><td>").append(r.get("step"))
                    .append("</td><td>").append(esc(r.get("query"))).append("</td><td>").append(viewerLink(r.get("query"), r.get("case"))).append("</td>").append(num(v))
                    .append("<td>").append(v == null ? "" : failed ? "yes" : "no").append("</td>");
            for (Score c : columns) body.append(num(r.get(c.name())));
            body.append("</tr>\n");
        }
        body.append("</tbody></table>\n");
    }

    /** The case's name, linked to the viewer where it shows the case. */
    private String viewerLink(String query, String caseId) {
        if (viewer == null || !viewer.shown().contains(query + "/" + caseId)) return esc(caseId);
        return "<a href=\"" + esc(Viewer.Written.link(query, caseId)) + "\">" + esc(caseId) + "</a>";
    }

    /** At most this many rows in the per-case table (the worst by IoU), so 1000 cases x many sets and runs keep the page small. */
    static final int MAX_CASE_ROWS = 1000;

    /** The IoU at or below which a final-checkpoint row is shown: infinity when all fit, else the MAX_CASE_ROWS-th lowest. */
    private static double caseRowCut(CsvTable scores, Map<CaseKey, String> iou, Map<String, Integer> lastStep) {
        List<Double> v = new ArrayList<>();
        for (Map<String, String> r : scores.records()) {
            String x = Integer.parseInt(r.get("step")) == lastStep.get(r.get("run")) ? iou.get(CaseKey.of(r)) : null;
            if (x != null) v.add(Double.isNaN(d(x)) ? Double.NEGATIVE_INFINITY : d(x));
        }
        if (v.size() <= MAX_CASE_ROWS) return Double.POSITIVE_INFINITY;
        java.util.Collections.sort(v);
        return v.get(MAX_CASE_ROWS - 1);
    }

    private void csvLinks() throws Exception {
        body.append("<p>Every number above is in these tables:</p><ul>");
        if (Files.isDirectory(exp.resultsDir())) {
            try (var s = Files.list(exp.resultsDir())) {
                for (Path p : s.sorted().toList()) {
                    String n = p.getFileName().toString();
                    if (n.startsWith(".")) continue;
                    body.append("<li><a href=\"../results/").append(esc(n)).append("\">results/").append(esc(n)).append("</a></li>");
                }
            }
        }
        body.append("</ul>\n");
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The figures this report drew (file names under figures/). */
    private final java.util.Set<String> drawn = new java.util.HashSet<>();

    /**
     * Removes the PNGs an earlier report left in figures/ that this one did not draw (another checkpoint's strips, a
     * score no longer analysed), after index.html is in place, so the folder holds exactly what the page shows.
     */
    private void removeStaleFigures() throws java.io.IOException {
        try (var files = Files.list(figures)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".png") && !drawn.contains(n)) Files.deleteIfExists(f);
            }
        }
    }

    /** Writes a composed figure (small multiples, a scatter with its shared legend) and shows it. */
    private void image(java.awt.image.BufferedImage img, String file, String alt) {
        Plots.writeImage(img, figures.resolve(file));
        drawn.add(file);
        body.append("<figure><img src=\"figures/").append(esc(file)).append("\" alt=\"").append(esc(alt)).append("\"></figure>\n");
    }

    private void figure(XYChart c, String file, String alt) {
        Plots.write(c, figures.resolve(file));
        drawn.add(file);
        body.append("<figure><img src=\"figures/").append(esc(file)).append("\" alt=\"").append(esc(alt)).append("\"></figure>\n");
    }

    private void section(String title) {
        body.append("<h2>").append(esc(title)).append("</h2>\n");
    }

    private static double[][] xy(List<double[]> pts) {
        pts.sort((a, b) -> Double.compare(a[0], b[0]));
        double[][] out = new double[2][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            out[0][i] = pts.get(i)[0];
            out[1][i] = pts.get(i)[1];
        }
        return out;
    }

    static double d(String s) {
        if (s == null || s.isEmpty()) return Double.NaN;
        return Double.parseDouble(s);
    }

    static String f(String s) {
        double v = d(s);
        return Double.isNaN(v) ? "NaN" : String.format("%.3f", v);
    }

    private static String num(String s) {
        double v = d(s);
        return "<td data-v=\"" + (Double.isNaN(v) ? "" : v) + "\">" + (Double.isNaN(v) ? "&ndash;" : Math.abs(v) < 1e-3 && v != 0 ? String.format("%.1e", v) : String.format("%.3f", v)) + "</td>";
    }

    private static String reason(Map<String, String> r) {
        String reason = r.get("reason");
        return reason == null || reason.isEmpty() || !Double.isNaN(d(r.get("value"))) ? "" : " <span class=\"why\" title=\"" + esc(reason) + "\">(why NaN?)</span>";
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static final String CSS = "body{font-family:sans-serif;margin:1.5em;max-width:1800px;color:#222}h2{border-bottom:1px solid #ccc;margin-top:1.6em}"
            + "table{border-collapse:collapse;margin:.5em 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}"
            + "td:first-child,th:first-child{text-align:left}th{background:#f3f3f3;cursor:pointer}tr.failed{background:#fde8e8}"
            + ".grid{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0}.strips{display:flex;flex-direction:column;gap:10px}"
            + ".strips img{max-width:100%}.missing{background:#fff4d6;border:1px solid #e0c060;padding:.5em 1em}.why{color:#a00;font-size:11px}.diverged{background:#fde8e8;border:1px solid #d08080;padding:.5em 1em}"
            + "pre{background:#f7f7f7;padding:.5em;font-size:12px;max-height:30em;overflow:auto}"
            + ".strip-view{margin:.6em 0}.strip-pair{display:flex;gap:10px;align-items:flex-start}.strip-pair img{image-rendering:pixelated;max-width:75%}"
            + ".strip-zoom{image-rendering:pixelated;background-repeat:no-repeat;border:1px solid #ccc}.chooser label{margin-right:1em}";

    static final String JS = """
            // a health mark a reader (or a test) can check: how many images failed to load, how many script errors happened
            var jsErrors=0; window.addEventListener('error',function(){jsErrors++;document.body.setAttribute('data-js-errors',jsErrors);});
            window.addEventListener('load',function(){var broken=Array.from(document.images).filter(function(i){return !i.complete||i.naturalWidth===0;});
              document.body.setAttribute('data-images',document.images.length);document.body.setAttribute('data-images-broken',broken.length);
              document.body.setAttribute('data-js-errors',jsErrors);});
            // the strip chooser: checkpoint, two cases, and the layer whose two panels are shown enlarged (cut from the same PNG)
            function showStrips(){if(typeof STRIPS==='undefined')return;var step=document.getElementById('strip-choice').value;
              var col=+document.getElementById('strip-layer').value;
              ['a','b'].forEach(function(side){var sel=document.getElementById('strip-case-'+side);if(!sel)return;
                var s=STRIPS[step+'|'+sel.value],img=document.getElementById('strip-'+side),z=document.getElementById('strip-zoom-'+side);
                if(!s){img.removeAttribute('src');img.alt='no strip for this checkpoint and case';z.style.backgroundImage='none';return;}
                img.src=s.f;var k=2;z.style.width=(s.pw*k)+'px';z.style.height=(s.h*k)+'px';z.style.backgroundImage='url("'+s.f+'")';
                z.style.backgroundSize=(s.w*k)+'px '+(s.h*k)+'px';z.style.backgroundPosition=(-s.x[col]*k)+'px 0px';});}
            if(document.getElementById('strip-choice'))showStrips();
            document.querySelectorAll('table.sortable th').forEach(function(th,i){th.addEventListener('click',function(){
              var t=th.closest('table'),b=t.tBodies[0],rows=Array.from(b.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
              rows.sort(function(x,y){var p=x.cells[i],q=y.cells[i];var u=p.dataset.v,w=q.dataset.v;
                if(u!==undefined&&w!==undefined){u=u===''?-Infinity:+u;w=w===''?-Infinity:+w;return asc?u-w:w-u;}
                return asc?p.textContent.localeCompare(q.textContent):q.textContent.localeCompare(p.textContent);});
              rows.forEach(function(r){b.appendChild(r);});});});
            """;
}
