package dev.unetscope.report;

import dev.unetscope.analysis.PredictorComparison;
import dev.unetscope.analysis.ScoreFamily;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.ResultFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.unetscope.report.Report.d;
import static dev.unetscope.report.Report.esc;

/**
 * The report's section "How the seed's scores compare": results/score_comparison.csv, predictor_comparison.csv
 * and layer_signal.csv as tables, and a paragraph whose every sentence is generated from those tables
 * ({@link #words}): where the seed's scores rank, where they win and where they lose, what the new scores change
 * in the predictor's error, and which layers carry the signal. Nothing in it is written for one experiment.
 */
final class SeedComparisonSection {
    private SeedComparisonSection() {}

    /** The section's HTML, or empty when the correlate stage has not written the comparison. */
    static String html(Path results) {
        Path sc = results.resolve(ResultFiles.SCORE_COMPARISON_CSV);
        if (!Files.isRegularFile(sc)) return "";
        CsvTable scores = CsvTable.read(sc);
        CsvTable predictor = read(results.resolve(ResultFiles.PREDICTOR_COMPARISON_CSV));
        CsvTable layers = read(results.resolve(ResultFiles.LAYER_SIGNAL_CSV));
        StringBuilder b = new StringBuilder("<h2>How the seed's scores compare</h2>\n");
        b.append("<p>The seed's scores (confidence, roughness, roughness_reverse) beside the first release's baselines and the scores added since, ")
                .append("on the same (checkpoint, query set) pairs. Ranks are among the label-free scores: by |r| for correlations, by AUROC for failure flags. ")
                .append("Intervals are 95 % bootstrap intervals resampling checkpoints.</p>\n<ul>");
        for (String s : words(scores, predictor, layers)) b.append("<li>").append(esc(s)).append("</li>");
        b.append("</ul>\n");
        scoreTable(b, scores);
        if (predictor != null) predictorTable(b, predictor);
        if (layers != null) layerTable(b, layers);
        return b.toString();
    }

    private static CsvTable read(Path f) {
        return Files.isRegularFile(f) ? CsvTable.read(f) : null;
    }

    // ---- the words -------------------------------------------------------------------------------

    /** The paragraph, one sentence per finding, each a function of the tables (predictor and layers may be null). */
    static List<String> words(CsvTable scores, CsvTable predictor, CsvTable layers) {
        List<String> out = new ArrayList<>();
        List<Map<String, String>> rows = scores.records();
        List<Map<String, String>> seed = rows.stream().filter(r -> r.get("family").equals(ScoreFamily.SEED.label())).toList();
        List<Map<String, String>> others = rows.stream().filter(r -> !r.get("family").equals(ScoreFamily.SEED.label()) && r.get("label_free").equals("1")).toList();
        String[][] measures = {
                {"r_within", "by |r| with IoU within checkpoint (for a fixed model, does it rank the query sets?)"},
                {"r", "by |r| with IoU over all (checkpoint, query set) pairs"},
                {"r_seed_protocol", "by |r| on the seed's own protocol (the score on the validation inputs against test IoU, one point per checkpoint)"},
                {"auroc", "by mean failure AUROC over the checkpoints with both failed and good cases"}};
        for (String[] m : measures) {
            String col = m[0];
            int n = ranked(rows, col + "_rank");
            if (n == 0) continue;
            List<String> parts = new ArrayList<>();
            for (Map<String, String> s : seed) {
                String rank = s.get(col + "_rank");
                parts.add(s.get("score") + " " + (rank.isEmpty() ? "is undefined" : "ranks " + ordinal(Integer.parseInt(rank)) + " (" + value(s, col) + ")"));
            }
            Map<String, String> best = best(rows, col + "_rank");
            List<String> undefined = rows.stream().filter(r -> r.get("label_free").equals("1") && r.get(col + "_rank").isEmpty()).map(r -> r.get("score")).toList();
            String sentence = "Of " + n + " label-free scores" + (undefined.isEmpty() ? "" : " defined here (undefined: " + String.join(", ", undefined) + ")") + " " + m[1] + ", the seed's " + String.join(", ", parts) + "; the best is " + best.get("score")
                    + " (" + best.get("family") + ", " + value(best, col) + ")";
            int nFirst = ranked(rows, col + "_rank_first_release");
            Map<String, String> bestFirst = best(rows, col + "_rank_first_release");
            if (nFirst < n && bestFirst != null && !bestFirst.get("score").equals(best.get("score"))) {
                sentence += "; without the new scores the best would be " + bestFirst.get("score") + " (" + value(bestFirst, col) + ")";
            }
            if (col.equals("auroc")) sentence += ", averaged over " + best.get("auroc_checkpoints") + " checkpoints";
            out.add(sentence + ".");
        }
        // the direction the registry expects against the sign the data show
        for (Map<String, String> s : seed) {
            for (String col : List.of("r", "r_within", "r_seed_protocol")) {
                double r = d(s.get(col)), lo = d(s.get(col + "_lo")), hi = d(s.get(col + "_hi"));
                int expected = (int) d(s.get("expected_sign"));
                String where = col.equals("r") ? "over all pairs" : col.equals("r_within") ? "within checkpoint" : "on the seed's own protocol";
                if (Double.isNaN(r)) continue;
                if (lo <= 0 && hi >= 0) {
                    out.add("The seed's " + s.get("score") + " " + where + ": r " + f(r) + ", interval [" + f(lo) + ", " + f(hi) + "] includes 0: no association shown.");
                } else if (Math.signum(r) != expected) {
                    out.add("The seed's " + s.get("score") + " points the wrong way " + where + ": r " + f(r) + " [" + f(lo) + ", " + f(hi) + "], where "
                            + (expected > 0 ? "a higher" : "a lower") + " value should mean a higher IoU.");
                }
            }
        }
        // wins and losses against every other label-free score
        for (String[] m : new String[][] {{"r_within", "|r| within checkpoint"}, {"r", "|r| over all pairs"}, {"auroc", "failure AUROC"}}) {
            Map<String, String> bestSeed = best(seed, m[0] + "_rank");
            if (bestSeed == null) continue;
            int rank = Integer.parseInt(bestSeed.get(m[0] + "_rank"));
            List<String> beaten = new ArrayList<>(), ahead = new ArrayList<>();
            for (Map<String, String> o : others) {
                String or = o.get(m[0] + "_rank");
                if (or.isEmpty()) continue;
                if (Integer.parseInt(or) > rank) beaten.add(o.get("score"));
                else if (Integer.parseInt(or) < rank) ahead.add(o.get("score"));
            }
            int rivals = (int) others.stream().filter(o -> !o.get(m[0] + "_rank").isEmpty()).count();
            out.add("On " + m[1] + ", the seed's best (" + bestSeed.get("score") + ", " + value(bestSeed, m[0]) + ") wins against "
                    + beaten.size() + " of the " + rivals + " other label-free scores ranked" + (beaten.isEmpty() ? "" : " (" + String.join(", ", beaten) + ")")
                    + " and loses to " + ahead.size() + (ahead.isEmpty() ? "" : " (" + String.join(", ", ahead) + ")") + ".");
        }
        Map<String, String> ref = rows.stream().filter(r -> r.get("label_free").equals("0")).findFirst().orElse(null);
        if (ref != null && !Double.isNaN(d(ref.get("r_within")))) {
            out.add("The label-using reference " + ref.get("score") + " has r " + f(d(ref.get("r"))) + " over all pairs and " + f(d(ref.get("r_within")))
                    + " within checkpoint.");
        }
        if (rows.stream().anyMatch(r -> r.get("score").equals("atc_iou") && !Double.isNaN(d(r.get("r_seed_protocol"))))) {
            out.add("atc_iou's threshold is fitted on the validation labels, so on the seed's protocol it is validation IoU by construction: its rank there is not a label-free result.");
        }
        if (predictor != null) out.addAll(predictorWords(predictor));
        if (layers != null) out.addAll(layerWords(layers));
        return out;
    }

    private static List<String> predictorWords(CsvTable predictor) {
        List<String> out = new ArrayList<>();
        Map<String, Map<String, Map<String, String>>> by = new LinkedHashMap<>(); // rows/scheme -> variant -> row
        for (Map<String, String> r : predictor.records()) {
            by.computeIfAbsent(r.get("rows") + "/" + r.get("scheme"), k -> new LinkedHashMap<>()).put(r.get("variant"), r);
        }
        for (Map.Entry<String, Map<String, Map<String, String>>> e : by.entrySet()) {
            String[] key = e.getKey().split("/", 2);
            Map<String, Map<String, String>> v = e.getValue();
            Map<String, String> seed = v.get(PredictorComparison.Variant.SEED.label()), first = v.get(PredictorComparison.Variant.FIRST_RELEASE.label()),
                    all = v.get(PredictorComparison.Variant.ALL.label());
            if (seed == null || first == null || all == null) continue;
            String rowsSaid = key[0].equals(PredictorComparison.ALL_ROWS)
                    ? "On every labelled (checkpoint, query set) pair (inputs undefined on a fold's training rows dropped, as the predictor does)"
                    : "On the " + all.get("n") + " pairs where every score is defined";
            out.add(rowsSaid + ", the predictor's " + key[1] + " mean absolute error is " + mae(seed) + " with the seed's scores alone, " + mae(first)
                    + " with the first-release baselines (today's default inputs) and " + mae(all) + " with every label-free score, new ones included; "
                    + "adding the new scores changes it from " + f4(d(first.get("mae"))) + " to " + f4(d(all.get("mae")))
                    + (first.get("n").equals(all.get("n")) ? "" : " (not on the same pairs: " + first.get("n") + " against " + all.get("n") + " scored)")
                    + ". Interval coverage at nominal " + f(d(first.get("nominal"))) + ": " + f(d(seed.get("coverage"))) + ", " + f(d(first.get("coverage")))
                    + ", " + f(d(all.get("coverage"))) + ".");
        }
        return out;
    }

    private static String mae(Map<String, String> r) {
        return f4(d(r.get("mae"))) + " (" + r.get("n") + " pairs)";
    }

    private static List<String> layerWords(CsvTable layers) {
        List<String> out = new ArrayList<>();
        Map<String, List<Map<String, String>>> byScore = new LinkedHashMap<>();
        for (Map<String, String> r : layers.records()) if (r.get("label_free").equals("1")) byScore.computeIfAbsent(r.get("score"), k -> new ArrayList<>()).add(r);
        for (Map.Entry<String, List<Map<String, String>>> e : byScore.entrySet()) {
            Map<String, String> w = strongest(e.getValue(), "r_within"), a = strongest(e.getValue(), "r");
            if (w == null || a == null) continue;
            out.add("Per layer, " + e.getKey() + " tracks IoU most within checkpoint at " + w.get("layer") + " (r " + f(d(w.get("r_within"))) + " ["
                    + f(d(w.get("r_within_lo"))) + ", " + f(d(w.get("r_within_hi"))) + "])" + " and over all pairs at " + a.get("layer") + " (r "
                    + f(d(a.get("r"))) + " [" + f(d(a.get("r_lo"))) + ", " + f(d(a.get("r_hi"))) + "]).");
        }
        return out;
    }

    private static Map<String, String> strongest(List<Map<String, String>> rows, String col) {
        return rows.stream().filter(r -> !Double.isNaN(d(r.get(col)))).max(Comparator.comparingDouble(r -> Math.abs(d(r.get(col))))).orElse(null);
    }

    private static int ranked(List<Map<String, String>> rows, String rankCol) {
        return (int) rows.stream().filter(r -> !r.get(rankCol).isEmpty()).count();
    }

    /** The row ranked first (the first in table order among equals), or null when nothing is ranked. */
    private static Map<String, String> best(List<Map<String, String>> rows, String rankCol) {
        return rows.stream().filter(r -> !r.get(rankCol).isEmpty()).min(Comparator.comparingInt(r -> Integer.parseInt(r.get(rankCol)))).orElse(null);
    }

    private static String value(Map<String, String> r, String col) {
        if (col.equals("auroc")) return "AUROC " + f(d(r.get("auroc")));
        return "r " + f(d(r.get(col))) + " [" + f(d(r.get(col + "_lo"))) + ", " + f(d(r.get(col + "_hi"))) + "]";
    }

    static String ordinal(int k) {
        String suffix = (k % 100 >= 11 && k % 100 <= 13) ? "th" : switch (k % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return k + suffix;
    }

    private static String f4(double v) {
        return Double.isNaN(v) ? "NaN" : String.format("%.4f", v);
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "NaN" : String.format("%.3f", v);
    }

    // ---- the tables ------------------------------------------------------------------------------

    private static void scoreTable(StringBuilder b, CsvTable scores) {
        b.append("<h3>Every score (results/score_comparison.csv)</h3><table class=\"sortable\"><thead><tr><th>score</th><th>family</th>")
                .append("<th>r</th><th>interval</th><th>rank</th><th>r within checkpoint</th><th>interval</th><th>rank</th>")
                .append("<th>failure AUROC</th><th>checkpoints</th><th>rank</th><th>seed protocol r</th><th>rank</th></tr></thead><tbody>\n");
        for (Map<String, String> r : scores.records()) {
            b.append("<tr><td>").append(esc(r.get("score"))).append(r.get("label_free").equals("1") ? "" : " (needs labels)").append("</td><td>")
                    .append(esc(r.get("family"))).append("</td>").append(cell(r.get("r"))).append(interval(r, "r")).append(rank(r.get("r_rank")))
                    .append(cell(r.get("r_within"))).append(interval(r, "r_within")).append(rank(r.get("r_within_rank")))
                    .append(cell(r.get("auroc"))).append("<td>").append(r.get("auroc_checkpoints")).append("</td>").append(rank(r.get("auroc_rank")))
                    .append(cell(r.get("r_seed_protocol"))).append(rank(r.get("r_seed_protocol_rank"))).append("</tr>\n");
        }
        b.append("</tbody></table>\n");
    }

    private static void predictorTable(StringBuilder b, CsvTable predictor) {
        b.append("<h3>The predictor with and without the new scores (results/predictor_comparison.csv)</h3><p>The same ridge regression as the ")
                .append("default predictor, on three input sets; <i>complete</i> rows are the pairs where every score is defined (all three variants on ")
                .append("the same pairs). The default predictor (predictor.json) is the <i>seed+first-release</i> variant on all rows.</p>")
                .append("<table class=\"sortable\"><thead><tr><th>inputs</th><th>rows</th><th>held out</th><th>pairs scored</th><th>MAE</th>")
                .append("<th>coverage</th><th>nominal</th><th>inputs used</th><th>dropped</th></tr></thead><tbody>\n");
        for (Map<String, String> r : predictor.records()) {
            b.append("<tr><td>").append(esc(r.get("variant"))).append("</td><td>").append(esc(r.get("rows"))).append("</td><td>").append(esc(r.get("scheme")))
                    .append("</td><td>").append(r.get("n")).append("</td>").append(cell(r.get("mae"))).append(cell(r.get("coverage")))
                    .append(cell(r.get("nominal"))).append("<td>").append(r.get("used")).append(" of ").append(r.get("inputs")).append("</td><td>")
                    .append(esc(r.get("dropped"))).append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");
    }

    private static void layerTable(StringBuilder b, CsvTable layers) {
        List<String> scores = new ArrayList<>();
        Map<String, Map<String, Map<String, String>>> byLayer = new LinkedHashMap<>();
        for (Map<String, String> r : layers.records()) {
            if (!scores.contains(r.get("score"))) scores.add(r.get("score"));
            byLayer.computeIfAbsent(r.get("layer"), k -> new LinkedHashMap<>()).put(r.get("score"), r);
        }
        b.append("<h3>Which layers carry the signal (results/layer_signal.csv)</h3><p>Per layer, Pearson r of each per-layer score with IoU: ")
                .append("over all pairs / within checkpoint.</p><table class=\"sortable\"><thead><tr><th>layer</th>");
        for (String s : scores) b.append("<th>").append(esc(s)).append(" r</th><th>").append(esc(s)).append(" r within</th>");
        b.append("</tr></thead><tbody>\n");
        for (Map.Entry<String, Map<String, Map<String, String>>> e : byLayer.entrySet()) {
            b.append("<tr><td>").append(esc(e.getKey())).append("</td>");
            for (String s : scores) {
                Map<String, String> r = e.getValue().get(s);
                b.append(cell(r == null ? "" : r.get("r"))).append(cell(r == null ? "" : r.get("r_within")));
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table>\n");
    }

    private static String cell(String v) {
        double x = d(v);
        return "<td data-v=\"" + (Double.isNaN(x) ? "" : x) + "\">" + (Double.isNaN(x) ? "&ndash;" : String.format("%.3f", x)) + "</td>";
    }

    private static String rank(String v) {
        return "<td data-v=\"" + v + "\">" + (v.isEmpty() ? "&ndash;" : v) + "</td>";
    }

    private static String interval(Map<String, String> r, String col) {
        double lo = d(r.get(col + "_lo")), hi = d(r.get(col + "_hi"));
        return "<td>" + (Double.isNaN(lo) ? "&ndash;" : "[" + f(lo) + ", " + f(hi) + "]") + "</td>";
    }
}
