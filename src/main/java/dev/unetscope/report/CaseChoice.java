package dev.unetscope.report;

import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cases the report shows in pictures (feature strips, the viewer), chosen the same way everywhere
 * so that a reader meets the same scans in every section: the <em>reference run</em> is the run whose
 * final evaluated checkpoint has the highest mean IoU over the labelled query sets (ties: the first run
 * by name); on each query set its cases are ranked by that checkpoint's IoU (ties: case id) and
 * {@code perSet} of them are taken at evenly spaced ranks from the worst to the best (3: worst, median,
 * best). Deterministic: the same tables give the same choice. Only {@code results/cases.csv} is read,
 * so query sets without labels (no IoU) have no chosen cases.
 *
 * @param run  the reference run ("" when there is nothing to choose from)
 * @param step its final evaluated checkpoint
 */
public record CaseChoice(String run, int step, List<Case> cases) {
    /** The default number of cases per query set ({@code --viewer-cases}). */
    public static final int DEFAULT_PER_SET = 3;

    /** One chosen case: its query set, id, where it ranks (worst, median, best, or "rank r of n") and its IoU. */
    public record Case(String query, String id, String role, double iou) {}

    public static CaseChoice none() {
        return new CaseChoice("", -1, List.of());
    }

    /**
     * The choice from the experiment's {@code results/cases.csv}; none when it is missing. Two passes that hold only what
     * they need (a seed-scale table has 840,000 rows): the mean IoU per run and step, then the reference checkpoint's rows.
     */
    public static CaseChoice choose(Experiment exp, int perSet) {
        Path f = exp.resultsDir().resolve(ResultFiles.CASES_CSV);
        if (perSet <= 0 || !Files.isRegularFile(f)) return none();
        List<String> h = CsvTable.header(f);
        int run = h.indexOf("run"), step = h.indexOf("step"), iou = h.indexOf("iou");
        if (run < 0 || step < 0 || iou < 0 || h.indexOf("query") < 0 || h.indexOf("case") < 0) return none();
        Map<String, TreeMap<Integer, double[]>> byRun = new TreeMap<>();
        CsvTable.read(f, r -> {
            double v = Report.d(r.get(iou));
            if (Double.isFinite(v)) {
                double[] s = byRun.computeIfAbsent(r.get(run), k -> new TreeMap<>()).computeIfAbsent(Integer.parseInt(r.get(step)), k -> new double[2]);
                s[0] += v;
                s[1]++;
            }
            return false;
        });
        Map.Entry<String, Integer> ref = reference(byRun);
        if (ref == null) return none();
        CsvTable rows = CsvTable.read(f, r -> r.get(run).equals(ref.getKey()) && Integer.parseInt(r.get(step)) == ref.getValue());
        return choose(rows.records(), perSet);
    }

    /** The run whose final checkpoint (with finite IoUs) has the highest mean IoU, with that step; null when none has one. */
    private static Map.Entry<String, Integer> reference(Map<String, TreeMap<Integer, double[]>> byRun) {
        String best = null;
        int bestStep = -1;
        double bestMean = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, TreeMap<Integer, double[]>> e : byRun.entrySet()) {
            Map.Entry<Integer, double[]> last = e.getValue().lastEntry();
            double mean = last.getValue()[0] / last.getValue()[1];
            if (mean > bestMean) {
                bestMean = mean;
                best = e.getKey();
                bestStep = last.getKey();
            }
        }
        return best == null ? null : Map.entry(best, bestStep);
    }

    /** The choice from the rows of a cases table (columns run, step, query, case, iou). */
    public static CaseChoice choose(List<Map<String, String>> rows, int perSet) {
        if (perSet <= 0 || rows.isEmpty()) return none();
        // per run and step: the sum and count of finite IoUs (a diverged checkpoint has NaN and cannot be final)
        Map<String, TreeMap<Integer, double[]>> byRun = new TreeMap<>();
        for (Map<String, String> r : rows) {
            double iou = Report.d(r.get("iou"));
            if (!Double.isFinite(iou)) continue;
            double[] s = byRun.computeIfAbsent(r.get("run"), k -> new TreeMap<>()).computeIfAbsent(Integer.parseInt(r.get("step")), k -> new double[2]);
            s[0] += iou;
            s[1]++;
        }
        Map.Entry<String, Integer> ref = reference(byRun);
        if (ref == null) return none();
        String best = ref.getKey();
        int bestStep = ref.getValue();
        Map<String, List<Case>> bySet = new LinkedHashMap<>();
        for (Map<String, String> r : rows) {
            if (!r.get("run").equals(best) || Integer.parseInt(r.get("step")) != bestStep) continue;
            double iou = Report.d(r.get("iou"));
            if (Double.isFinite(iou)) bySet.computeIfAbsent(r.get("query"), k -> new ArrayList<>()).add(new Case(r.get("query"), r.get("case"), "", iou));
        }
        List<Case> out = new ArrayList<>();
        for (List<Case> set : bySet.values()) {
            set.sort(Comparator.comparingDouble(Case::iou).thenComparing(Case::id));
            int n = set.size();
            Map<Integer, String> ranks = new LinkedHashMap<>();
            if (perSet == 1) ranks.put((n - 1) / 2, "median");
            for (int i = 0; perSet > 1 && i < perSet; i++) {
                int k = (int) Math.round(i * (n - 1) / (double) (perSet - 1));
                ranks.putIfAbsent(k, i == 0 ? "worst" : i == perSet - 1 ? "best" : 2 * i == perSet - 1 ? "median" : "rank " + (k + 1) + " of " + n);
            }
            ranks.forEach((k, role) -> out.add(new Case(set.get(k).query(), set.get(k).id(), role, set.get(k).iou())));
        }
        return new CaseChoice(best, bestStep, List.copyOf(out));
    }

    /** The chosen cases of one query set, worst first. */
    public List<Case> of(String query) {
        return cases.stream().filter(c -> c.query().equals(query)).toList();
    }

    /** The query sets with chosen cases, in the table's order. */
    public List<String> querySets() {
        return cases.stream().map(Case::query).distinct().toList();
    }
}
