package dev.unetscope.analysis;

import dev.unetscope.experiment.CsvTable;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every set-level score side by side (results/score_comparison.csv): its family ({@link ScoreFamily}),
 * Pearson r with test IoU over all (checkpoint, query set) pairs and within checkpoint, each with its
 * bootstrap interval exactly as correlations.csv has it, the seed's protocol's r (validation inputs against
 * test IoU, one point per checkpoint), and the mean over checkpoints of its per-case failure AUROC as
 * failure.csv has it (oriented by the registry: 0.5 is chance, below it the score points the wrong way).
 *
 * <p>Ranks: among the label-free scores, 1 is best; r by |r| (a score that tracks IoU the other way still
 * predicts it; {@code expected_sign} says which way the registry expects it to point), AUROC by its value;
 * equal values share a rank, an undefined value has none (empty). {@code *_rank_first_release} ranks among the
 * seed's scores and the first-release baselines only: the same ranking without the new scores (empty for a
 * new score). db_labels needs labels: listed as the reference, never ranked.
 */
public final class ScoreComparison {
    private ScoreComparison() {}

    /** The four measures compared, each a column prefix: value, (interval), rank, rank among the first release. */
    static final List<String> MEASURES = List.of("r", "r_within", "auroc", "r_seed_protocol");

    public static final List<String> COLUMNS = List.of("score", "family", "label_free", "expected_sign", "n",
            "r", "r_lo", "r_hi", "r_rank", "r_rank_first_release",
            "r_within", "r_within_lo", "r_within_hi", "r_within_rank", "r_within_rank_first_release",
            "auroc", "auroc_checkpoints", "auroc_rank", "auroc_rank_first_release",
            "r_seed_protocol", "r_seed_protocol_lo", "r_seed_protocol_hi", "r_seed_protocol_rank", "r_seed_protocol_rank_first_release");

    /** One score's measures before ranking. */
    private record Line(Score score, Map<String, String> r, Map<String, String> within, Map<String, String> seed, double auroc, int aurocCheckpoints) {
        double value(String measure) {
            return switch (measure) {
                case "r" -> v(r);
                case "r_within" -> v(within);
                case "auroc" -> auroc;
                default -> v(seed);
            };
        }

        /** The number a rank orders by, higher is better: |r| for correlations, AUROC itself. */
        double merit(String measure) {
            double x = value(measure);
            return measure.equals("auroc") ? x : Math.abs(x);
        }
    }

    /**
     * @param correlations correlations.csv as the study wrote it (scopes all/all, within/checkpoint, seed-protocol/all)
     * @param failure      failure.csv (per checkpoint and per-case score: AUROC); null or empty when there are no per-case tables
     */
    public static CsvTable table(CsvTable correlations, CsvTable failure) {
        Map<String, Map<String, String>> all = new LinkedHashMap<>(), within = new LinkedHashMap<>(), seed = new LinkedHashMap<>();
        for (Map<String, String> c : correlations.records()) {
            String scope = c.get("scope"), method = c.get("method");
            if (scope.equals("all") && method.equals(Correlation.PEARSON)) all.put(c.get("score"), c);
            else if (scope.equals("within") && method.equals(Correlation.PEARSON + Correlation.WITHIN)) within.put(c.get("score"), c);
            else if (scope.equals(GeneralizationStudy.SEED_PROTOCOL) && method.equals(Correlation.PEARSON)) seed.put(c.get("score"), c);
        }
        Map<String, double[]> auroc = new LinkedHashMap<>();
        if (failure != null) {
            for (Map<String, String> f : failure.records()) {
                double a = GeneralizationStudy.parse(f.get("auroc"));
                double[] s = auroc.computeIfAbsent(f.get("score"), k -> new double[2]);
                if (Double.isFinite(a)) {
                    s[0] += a;
                    s[1]++;
                }
            }
        }
        List<Line> lines = new ArrayList<>();
        for (Score s : Scores.at(Score.Level.SET)) {
            double[] a = auroc.getOrDefault(s.name(), new double[2]);
            lines.add(new Line(s, all.get(s.name()), within.get(s.name()), seed.get(s.name()), a[1] == 0 ? Double.NaN : a[0] / a[1], (int) a[1]));
        }
        CsvTable out = new CsvTable(COLUMNS);
        for (Line l : lines) {
            Map<String, String> ranks = new LinkedHashMap<>();
            for (String m : MEASURES) {
                ranks.put(m, rank(l, lines, m, false));
                ranks.put(m + "_first_release", rank(l, lines, m, true));
            }
            out.add(List.of(l.score().name(), ScoreFamily.of(l.score()).label(), l.score().labelFree() ? 1 : 0, l.score().higherIsConfident() ? 1 : -1,
                    l.r() == null ? "0" : l.r().get("n"),
                    l.value("r"), lo(l.r()), hi(l.r()), ranks.get("r"), ranks.get("r_first_release"),
                    l.value("r_within"), lo(l.within()), hi(l.within()), ranks.get("r_within"), ranks.get("r_within_first_release"),
                    l.auroc(), l.aurocCheckpoints(), ranks.get("auroc"), ranks.get("auroc_first_release"),
                    l.value("r_seed_protocol"), lo(l.seed()), hi(l.seed()), ranks.get("r_seed_protocol"), ranks.get("r_seed_protocol_first_release")));
        }
        return out;
    }

    /** 1 + the number of competitors strictly better; empty when the score is not ranked or its value is undefined. */
    private static String rank(Line l, List<Line> lines, String measure, boolean firstReleaseOnly) {
        if (!competes(l, firstReleaseOnly)) return "";
        double m = l.merit(measure);
        if (Double.isNaN(m)) return "";
        int better = 0;
        for (Line o : lines) if (competes(o, firstReleaseOnly) && o.merit(measure) > m) better++;
        return Integer.toString(better + 1);
    }

    private static boolean competes(Line l, boolean firstReleaseOnly) {
        return l.score().labelFree() && (!firstReleaseOnly || ScoreFamily.of(l.score()) != ScoreFamily.NEW);
    }

    /** How many label-free scores a rank column ranks (those with a defined value). */
    public static int ranked(CsvTable comparison, String rankColumn) {
        int n = 0;
        for (Map<String, String> r : comparison.records()) if (!r.get(rankColumn).isEmpty()) n++;
        return n;
    }

    private static double v(Map<String, String> r) {
        return r == null ? Double.NaN : GeneralizationStudy.parse(r.get("value"));
    }

    private static double lo(Map<String, String> r) {
        return r == null ? Double.NaN : GeneralizationStudy.parse(r.get("lo"));
    }

    private static double hi(Map<String, String> r) {
        return r == null ? Double.NaN : GeneralizationStudy.parse(r.get("hi"));
    }
}
