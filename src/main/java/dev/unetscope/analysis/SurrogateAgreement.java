package dev.unetscope.analysis;

import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SetKey;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Does the seed's roughness (a Davies-Bouldin surrogate) agree with the Jacobian norm it stands for,
 * and which of the two tracks IoU? Over the (checkpoint, query set) pairs with ground-truth IoU, per
 * layer (from layers.csv) and combined (the mean over layers, from checkpoints.csv): Pearson,
 * Spearman and Kendall of roughness with jacobian, of roughness with IoU and of jacobian with IoU,
 * pooled ({@code all}) and within checkpoint, with intervals that resample checkpoints
 * ({@link Correlation}). Written to {@link ResultFiles#JACOBIAN_ROUGHNESS_CSV}.
 */
public final class SurrogateAgreement {
    public static final String COMBINED = "combined";
    public static final List<String> COLUMNS = List.of("layer", "pair", "scope", "method", "n", "value", "lo", "hi", "p", "reason");
    /** The three pairs, as "x~y". */
    public static final List<String> PAIRS = List.of("roughness~jacobian", "roughness~iou", "jacobian~iou");

    private SurrogateAgreement() {}

    /** The table, or null when the results hold no analysed and evaluated checkpoint. */
    public static CsvTable of(Path results, Correlation correlation) {
        Path ck = results.resolve(ResultFiles.CHECKPOINTS_CSV), lf = results.resolve(ResultFiles.LAYERS_CSV);
        if (!Files.isRegularFile(ck) || !Files.isRegularFile(lf)) return null;
        Map<SetKey, Map<String, Double>> iou = new LinkedHashMap<>();
        Map<String, Map<SetKey, Map<String, Double>>> byLayer = new LinkedHashMap<>();
        for (Map<String, String> r : CsvTable.read(ck).records()) {
            if (!r.containsKey("roughness") || r.get("roughness").isEmpty()) continue;
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("iou", parse(r.get("iou")));
            v.put("roughness", parse(r.get("roughness")));
            v.put("jacobian", parse(r.get("jacobian")));
            iou.put(SetKey.of(r), v);
        }
        if (iou.isEmpty()) return null;
        for (Map<String, String> r : CsvTable.read(lf).records()) {
            SetKey k = SetKey.of(r);
            if (!iou.containsKey(k)) continue; // the validation split has no IoU row
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("iou", iou.get(k).get("iou"));
            v.put("roughness", parse(r.get("roughness")));
            v.put("jacobian", parse(r.get("jacobian")));
            byLayer.computeIfAbsent(r.get("layer"), l -> new LinkedHashMap<>()).put(k, v);
        }
        byLayer.put(COMBINED, iou);
        CsvTable out = new CsvTable(COLUMNS);
        for (Map.Entry<String, Map<SetKey, Map<String, Double>>> e : byLayer.entrySet()) {
            List<Map<String, Double>> points = new ArrayList<>(e.getValue().values());
            int[] groups = groups(new ArrayList<>(e.getValue().keySet()));
            for (String pair : PAIRS) {
                String[] xy = pair.split("~");
                double[] x = column(points, xy[0]), y = column(points, xy[1]);
                for (Estimate est : correlation.estimate(x, y, groups)) add(out, e.getKey(), pair, "all", est);
                for (Estimate est : correlation.withinGroup(x, y, groups)) add(out, e.getKey(), pair, "within-checkpoint", est);
            }
        }
        return out;
    }

    /** Writes the table when there is one; returns it (null otherwise). */
    public static CsvTable write(Path results, Correlation correlation) {
        CsvTable t = of(results, correlation);
        if (t != null) t.write(results.resolve(ResultFiles.JACOBIAN_ROUGHNESS_CSV));
        return t;
    }

    private static void add(CsvTable out, String layer, String pair, String scope, Estimate e) {
        out.add(List.of(layer, pair, scope, e.method(), e.n(), e.value(), e.lo(), e.hi(), e.p(), e.reason() == null ? "" : e.reason()));
    }

    private static int[] groups(List<SetKey> keys) {
        Map<CheckpointId, Integer> ids = new LinkedHashMap<>();
        int[] g = new int[keys.size()];
        for (int i = 0; i < g.length; i++) g[i] = ids.computeIfAbsent(keys.get(i).checkpoint(), k -> ids.size());
        return g;
    }

    private static double[] column(List<Map<String, Double>> points, String name) {
        double[] v = new double[points.size()];
        for (int i = 0; i < v.length; i++) v[i] = points.get(i).getOrDefault(name, Double.NaN);
        return v;
    }

    private static double parse(String s) {
        return s == null || s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    /** Layers in the table's order (the combined value last). */
    public static List<String> layers(CsvTable t) {
        LinkedHashSet<String> l = new LinkedHashSet<>();
        for (Map<String, String> r : t.records()) l.add(r.get("layer"));
        return new ArrayList<>(l);
    }
}
