package dev.unetscope.pipeline;

import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every per-case score of one case (a row of {@code results/case_scores.csv}), by score name in
 * registry order; {@code reason} says why they are NaN (a diverged checkpoint), empty otherwise.
 */
public record CaseScores(String caseId, Map<String, Double> values, String reason) {

    public CaseScores(String caseId, Map<String, Double> values) {
        this(caseId, values, "");
    }

    public double value(String score) {
        return values.getOrDefault(score, Double.NaN);
    }

    List<Object> cells() {
        List<Object> row = new java.util.ArrayList<>();
        row.add(caseId);
        for (Score s : Scores.at(Score.Level.CASE)) row.add(value(s.name()));
        return row;
    }

    static CaseScores fromRow(Map<String, String> r) {
        Map<String, Double> v = new LinkedHashMap<>();
        for (Score s : Scores.at(Score.Level.CASE)) v.put(s.name(), ResultsStore.parse(r.get(s.name())));
        return new CaseScores(r.get("case"), v, r.getOrDefault(ResultsStore.REASON, ""));
    }
}
