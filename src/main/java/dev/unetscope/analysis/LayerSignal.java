package dev.unetscope.analysis;

import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.SetKey;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Which layers carry the signal (results/layer_signal.csv): for every layer and every per-layer score of the
 * registry that layers.csv has a column for (c_l, roughness_l, roughness_reverse_l, db_labels_l and whatever
 * per-layer score is added later), Pearson r of its value with the set's IoU over all (checkpoint, query set)
 * pairs and within checkpoint, each with the same bootstrap interval over checkpoints as correlations.csv.
 */
public final class LayerSignal {
    private LayerSignal() {}

    public static final List<String> COLUMNS = List.of("layer", "score", "column", "family", "label_free", "n", "r", "r_lo", "r_hi", "p",
            "r_within", "r_within_lo", "r_within_hi", "p_within", "reason");

    /** The per-layer column name a score's value at {@code layer} has among the predictor's inputs ({@code c_enc1}), or NAME_LAYER. */
    public static String column(Score s, String layer) {
        return s.layerPrefix() != null ? s.layerColumn(layer) : s.name() + "_" + layer;
    }

    /**
     * @param layers the records of layers.csv (the validation split's rows have no IoU and are left out)
     * @param rows   the analysed rows of checkpoints.csv, with their IoU
     */
    public static CsvTable table(CsvTable layers, List<Map<String, String>> rows, Correlation correlation) {
        Map<SetKey, Double> iou = new LinkedHashMap<>();
        for (Map<String, String> r : rows) iou.put(SetKey.of(r), GeneralizationStudy.parse(r.get("iou")));
        List<Score> scores = Scores.at(Score.Level.LAYER).stream().filter(s -> layers.header().contains(s.name())).toList();
        Map<String, List<Map<String, String>>> byLayer = new LinkedHashMap<>();
        for (Map<String, String> r : layers.records()) {
            if (iou.containsKey(SetKey.of(r))) byLayer.computeIfAbsent(r.get("layer"), k -> new ArrayList<>()).add(r);
        }
        CsvTable out = new CsvTable(COLUMNS);
        for (Map.Entry<String, List<Map<String, String>>> e : byLayer.entrySet()) {
            List<Map<String, String>> pts = e.getValue();
            double[] y = new double[pts.size()];
            int[] groups = new int[pts.size()];
            Map<CheckpointId, Integer> ids = new LinkedHashMap<>();
            for (int i = 0; i < y.length; i++) {
                y[i] = iou.get(SetKey.of(pts.get(i)));
                groups[i] = ids.computeIfAbsent(CheckpointId.of(pts.get(i)), k -> ids.size());
            }
            for (Score s : scores) {
                double[] x = GeneralizationStudy.column(pts, s.name());
                Estimate all = correlation.estimate(x, y, groups).get(0);
                Estimate within = correlation.withinGroup(x, y, groups).get(0);
                LinkedHashSet<String> why = new LinkedHashSet<>();
                if (!all.reason().isEmpty()) why.add(all.reason());
                if (!within.reason().isEmpty()) why.add("within: " + within.reason());
                out.add(List.of(e.getKey(), s.name(), column(s, e.getKey()), ScoreFamily.of(s).label(), s.labelFree() ? 1 : 0, all.n(),
                        all.value(), all.lo(), all.hi(), all.p(), within.value(), within.lo(), within.hi(), within.p(), String.join("; ", why)));
            }
        }
        return out;
    }
}
