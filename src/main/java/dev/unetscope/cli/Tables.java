package dev.unetscope.cli;

import dev.unetscope.analysis.GeneralizationStudy;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** The tables the terminal shows, read from the experiment's results (presentation only). */
final class Tables {
    private Tables() {}

    /** Mean IoU per checkpoint (rows) and query set (columns). */
    static void iou(Experiment exp, PrintStream out) {
        CsvTable t = CsvTable.read(exp.resultsDir().resolve(ResultFiles.CHECKPOINTS_CSV));
        TreeSet<String> queries = new TreeSet<>();
        Map<String, Map<String, String>> rows = new TreeMap<>();
        List<String> order = new ArrayList<>();
        for (Map<String, String> r : t.records()) {
            String key = String.format("%-10s %6s", r.get("run"), r.get("step"));
            if (!rows.containsKey(key)) order.add(key);
            rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(r.get("query"), r.get("iou"));
            queries.add(r.get("query"));
        }
        List<String> qs = new ArrayList<>(queries);
        qs.remove("test");
        qs.add(0, "test");
        StringBuilder h = new StringBuilder(String.format("%-10s %6s", "run", "step"));
        for (String q : qs) h.append(String.format(" %12s", q.length() > 12 ? q.substring(0, 12) : q));
        out.println(h);
        for (String key : order) {
            StringBuilder sb = new StringBuilder(key);
            for (String q : qs) {
                String v = rows.get(key).get(q);
                sb.append(v == null ? String.format(" %12s", "-") : String.format(" %12.3f", Double.parseDouble(v)));
            }
            out.println(sb);
        }
    }

    /** Per query set: each checkpoint's IoU beside confidence, roughness and db_labels. */
    static void scores(Experiment exp, PrintStream out) {
        CsvTable t = CsvTable.read(exp.resultsDir().resolve(ResultFiles.CHECKPOINTS_CSV));
        if (!t.header().contains("confidence")) return;
        Map<String, List<Map<String, String>>> byQuery = new LinkedHashMap<>();
        for (Map<String, String> r : t.records()) byQuery.computeIfAbsent(r.get("query"), k -> new ArrayList<>()).add(r);
        for (Map.Entry<String, List<Map<String, String>>> e : byQuery.entrySet()) {
            out.printf("%n%s%n%-10s %6s %7s %11s %10s %10s%n", e.getKey(), "run", "step", "IoU", "confidence", "roughness", "db_labels");
            for (Map<String, String> r : e.getValue()) {
                out.printf("%-10s %6s %7s %11s %10s %10s%n", r.get("run"), r.get("step"), f(r.get("iou")), f(r.get("confidence")),
                        f(r.get("roughness")), f(r.get("db_labels")));
            }
        }
    }

    /** The seed's protocol (scores on the validation inputs against test IoU, per checkpoint), then the deployment question. */
    static void study(GeneralizationStudy.Result r, PrintStream out) {
        seedProtocol(r.correlations(), out);
        deployment(r, out);
    }

    /** Pearson r of each set-level score on the validation inputs with test IoU, beside validation IoU (the labelled reference). */
    static void seedProtocol(CsvTable corr, PrintStream out) {
        List<Map<String, String>> rows = new ArrayList<>();
        for (Map<String, String> row : corr.records()) {
            if (row.get("scope").equals(GeneralizationStudy.SEED_PROTOCOL) && row.get("method").equals("pearson")
                    && (GeneralizationStudy.SCORES.contains(row.get("score")) || row.get("score").equals(GeneralizationStudy.VAL_IOU))) rows.add(row);
        }
        if (rows.isEmpty()) return;
        rows.sort((a, b) -> Double.compare(abs(b.get("value")), abs(a.get("value"))));
        out.printf("%nthe seed's protocol: each score on the validation inputs against test IoU, one point per checkpoint (scope %s)%n",
                GeneralizationStudy.SEED_PROTOCOL);
        out.printf("%-22s %5s %8s %19s %10s%n", "score", "n", "r", "95% interval", "p");
        for (Map<String, String> row : rows) {
            String name = row.get("score").equals(GeneralizationStudy.VAL_IOU) ? "val_iou (labelled)" : row.get("score");
            out.printf("%-22s %5s %8s %19s %10s%n", name, row.get("n"), f(row.get("value")), "[" + f(row.get("lo")) + ", " + f(row.get("hi")) + "]",
                    p(row.get("p")));
        }
    }

    /** The correlation table over (checkpoint, query set) pairs sorted by |r|, then the predictor's leave-one-group-out errors. */
    static void deployment(GeneralizationStudy.Result r, PrintStream out) {
        List<Map<String, String>> pop = new ArrayList<>();
        Map<String, Map<String, String>> within = new LinkedHashMap<>();
        for (Map<String, String> row : r.correlations().records()) {
            if (row.get("scope").equals("all") && row.get("method").equals("pearson")) pop.add(row);
            if (row.get("scope").equals("within") && row.get("method").startsWith("pearson")) within.put(row.get("score"), row);
        }
        pop.sort((a, b) -> Double.compare(abs(b.get("value")), abs(a.get("value"))));
        out.printf("%ncorrelation with test IoU over (checkpoint, query set) pairs, sorted by |r| (results/correlations.csv)%n");
        out.printf("%-22s %5s %8s %19s %10s %14s%n", "score", "n", "r", "95% interval", "p", "r within ckpt");
        for (Map<String, String> row : pop) {
            Map<String, String> w = within.get(row.get("score"));
            out.printf("%-22s %5s %8s %19s %10s %14s%n", row.get("score"), row.get("n"), f(row.get("value")),
                    "[" + f(row.get("lo")) + ", " + f(row.get("hi")) + "]", p(row.get("p")), w == null ? "-" : f(w.get("value")));
        }
        out.println();
        for (Map<String, String> row : r.summary().records()) {
            out.printf("IoU predictor (ridge on the label-free scores), %s: mean absolute error %s, conformal interval coverage %s at nominal %s "
                    + "(%s folds)%s%n", row.get("scheme"), f(row.get("mae")), f(row.get("coverage")), f(row.get("nominal")), row.get("folds"),
                    row.get("reason").isEmpty() ? "" : " - " + row.get("reason"));
        }
        deploymentAnswers(r, out);
    }

    /** The per-case predictor's errors, its flags' quality, and the checkpoint ranking's agreement with the truth. */
    static void deploymentAnswers(GeneralizationStudy.Result r, PrintStream out) {
        for (var c : r.cases() == null ? List.<dev.unetscope.analysis.CasePrediction.Summary>of() : r.cases()) {
            out.printf("per-case IoU predictor (ridge on the per-case label-free scores and their cohort means), %s: mean absolute error %s, conformal "
                    + "interval coverage %s at nominal %s (%d case/checkpoint pairs, %d folds)%s%n", c.scheme(), g(c.mae()), g(c.coverage()), g(c.nominal()),
                    c.n(), c.folds(),
                    c.reason().isEmpty() ? "" : " - " + c.reason());
            out.printf("  failure flags (IoU < %s): AUROC %s pooled, %s within a checkpoint and query set; failures caught flagging 10%% of cases %s "
                    + "(%s within a set), 20%% %s (%s); %d of %d pairs flagged, precision %s, recall %s%n", g(c.threshold()), g(c.auroc()),
                    g(c.aurocPerSet()), g(c.caught10()), g(c.caught10PerSet()), g(c.caught20()), g(c.caught20PerSet()), c.flagged(), c.n(),
                    g(c.flagPrecision()), g(c.flagRecall()));
        }
        var k = r.ranking();
        if (k != null) {
            out.printf("checkpoint ranking, leave-one-query-set-out over %d query sets: top pick is the truly best in %s, mean IoU lost (regret) %s, "
                    + "largest %s; the best is indistinguishable from the pick in %s (results/%s)%s%n", k.cohorts(), g(k.top1()), g(k.meanRegret()),
                    g(k.maxRegret()), g(k.bestIndistinguishable()), dev.unetscope.experiment.ResultFiles.CHECKPOINT_RANKING_CSV,
                    k.reason().isEmpty() ? "" : " - " + k.reason());
        }
    }

    private static String g(double v) {
        return Double.isNaN(v) ? "NaN" : String.format("%.3f", v);
    }

    private static double abs(String v) {
        double d = v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
        return Double.isNaN(d) ? -1 : Math.abs(d);
    }

    private static String p(String v) {
        if (v == null || v.isEmpty()) return "-";
        double d = Double.parseDouble(v);
        return Double.isNaN(d) ? "NaN" : String.format("%.2g", d);
    }

    static String f(String v) {
        if (v == null || v.isEmpty()) return "-";
        double d = Double.parseDouble(v);
        return Double.isNaN(d) ? "NaN" : String.format("%.3f", d);
    }
}
