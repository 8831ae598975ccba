package dev.unetscope.report;

import dev.unetscope.experiment.CsvTable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which cases the viewer shows, chosen the same way every time: the run whose final checkpoint has the
 * highest mean IoU on the test split (over every labelled set when there is no test split) ranks each
 * query set's cases by that checkpoint's IoU (best first, ties by case name), and N cases are taken at
 * evenly spaced ranks from best to worst (N = 3: the best, the median and the worst case).
 */
public final class ViewerCases {
    /** One chosen case: its query set, name, IoU under the choosing checkpoint, and where it ranks ("best", "median", "worst", "rank 2 of 8"). */
    public record Choice(String query, String caseId, double iou, String rank) {}

    /** The choice: the run and step whose IoU ranked the cases, and the cases per query set in the table's order. */
    public record Chosen(String run, int step, List<Choice> cases) {}

    private ViewerCases() {}

    /** @param cases results/cases.csv ({@code run, step, query, case, iou}) */
    public static Chosen choose(CsvTable cases, int perSet) {
        Map<String, Integer> finalStep = new TreeMap<>();
        for (Map<String, String> r : cases.records()) finalStep.merge(r.get("run"), Integer.parseInt(r.get("step")), Math::max);
        boolean hasTest = cases.records().stream().anyMatch(r -> r.get("query").equals("test"));
        String bestRun = null;
        double best = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Integer> e : finalStep.entrySet()) {
            double sum = 0;
            int n = 0;
            for (Map<String, String> r : cases.records()) {
                if (!r.get("run").equals(e.getKey()) || Integer.parseInt(r.get("step")) != e.getValue()) continue;
                if (hasTest && !r.get("query").equals("test")) continue;
                double v = Report.d(r.get("iou"));
                if (Double.isFinite(v)) {
                    sum += v;
                    n++;
                }
            }
            if (n > 0 && sum / n > best) { // runs in name order, so a tie keeps the first name
                best = sum / n;
                bestRun = e.getKey();
            }
        }
        if (bestRun == null || perSet <= 0) return new Chosen(bestRun, -1, List.of());
        int step = finalStep.get(bestRun);
        Map<String, List<Map<String, String>>> bySet = new LinkedHashMap<>();
        for (Map<String, String> r : cases.records()) {
            if (r.get("run").equals(bestRun) && Integer.parseInt(r.get("step")) == step) bySet.computeIfAbsent(r.get("query"), k -> new ArrayList<>()).add(r);
        }
        List<Choice> out = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, String>>> e : bySet.entrySet()) {
            List<Map<String, String>> rows = new ArrayList<>(e.getValue());
            // NaN IoU (a diverged checkpoint) ranks last
            rows.sort(Comparator.<Map<String, String>>comparingDouble(r -> {
                double v = Report.d(r.get("iou"));
                return Double.isNaN(v) ? Double.POSITIVE_INFINITY : -v;
            }).thenComparing(r -> r.get("case")));
            int n = rows.size();
            LinkedHashSet<Integer> ranks = new LinkedHashSet<>();
            if (perSet == 1) ranks.add(0);
            else for (int i = 0; i < perSet; i++) ranks.add((int) Math.round(i * (n - 1) / (double) (perSet - 1)));
            List<Integer> picked = new ArrayList<>(ranks);
            for (int j = 0; j < picked.size(); j++) {
                int i = picked.get(j);
                Map<String, String> r = rows.get(i);
                String rank = i == 0 ? "best" : i == n - 1 ? "worst" : perSet == 3 && j == 1 ? "median" : "rank " + (i + 1) + " of " + n;
                out.add(new Choice(e.getKey(), r.get("case"), Report.d(r.get("iou")), rank));
            }
        }
        return new Chosen(bestRun, step, out);
    }
}
