package dev.unetscope.pipeline;

import dev.unetscope.experiment.CsvTable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seed's metrics of one layer of one checkpoint on one set (a row of {@code results/layers.csv}).
 *
 * @param layer            the tap
 * @param inputLayer       the tap before it (or {@code image}): its clusters define roughness
 * @param channels         feature channels of the layer
 * @param points           sampled positions
 * @param dbLabels         Davies-Bouldin of the features grouped by the downsampled ground truth
 * @param roughness        Davies-Bouldin of the features grouped by k-means clusters of the input layer
 * @param roughnessReverse Davies-Bouldin of the input layer grouped by clusters of this layer
 * @param confidence       c_l: the best (family, K) mixture's mean log-likelihood per dimension
 * @param bestModel        the column of that mixture, e.g. {@code conf_full_k2}; empty when none fitted
 * @param byModel          every mixture's value, by column
 * @param reason           why a value is NaN; empty when all are defined
 * @param jacobian         root mean square per-channel norm of the Jacobian of the standardised features with respect to
 *                         the image at the sampled positions ({@link dev.unetscope.features.JacobianNorm}); NaN when not computed
 */
public record LayerScores(String layer, String inputLayer, int channels, int points, double dbLabels, double roughness,
                          double roughnessReverse, double confidence, String bestModel, Map<String, Double> byModel, String reason,
                          double jacobian) implements java.io.Serializable {

    /** A layer without the Jacobian norm. */
    public LayerScores(String layer, String inputLayer, int channels, int points, double dbLabels, double roughness,
                       double roughnessReverse, double confidence, String bestModel, Map<String, Double> byModel, String reason) {
        this(layer, inputLayer, channels, points, dbLabels, roughness, roughnessReverse, confidence, bestModel, byModel, reason, Double.NaN);
    }

    public double value(String score) {
        return switch (score) {
            case "db_labels" -> dbLabels;
            case "roughness" -> roughness;
            case "roughness_reverse" -> roughnessReverse;
            case "confidence" -> confidence;
            case "jacobian" -> jacobian;
            default -> throw new IllegalArgumentException("no layer-level score " + score);
        };
    }

    /** The cells after the key columns, in {@link ResultsStore#layerColumns} order. */
    List<Object> cells(List<String> modelColumns) {
        List<Object> row = new java.util.ArrayList<>(List.of(layer, inputLayer, channels, points, dbLabels, roughness, roughnessReverse,
                jacobian, confidence, bestModel == null ? "null" : bestModel));
        for (String c : modelColumns) row.add(byModel.getOrDefault(c, Double.NaN));
        row.add(reason);
        return row;
    }

    static LayerScores fromRow(Map<String, String> r, List<String> modelColumns) {
        Map<String, Double> byModel = new LinkedHashMap<>();
        for (String c : modelColumns) byModel.put(c, ResultsStore.parse(r.get(c)));
        return new LayerScores(r.get("layer"), r.get("input_layer"), Integer.parseInt(r.get("channels")), Integer.parseInt(r.get("points")),
                ResultsStore.parse(r.get("db_labels")), ResultsStore.parse(r.get("roughness")), ResultsStore.parse(r.get("roughness_reverse")),
                ResultsStore.parse(r.get("confidence")), r.get("best_model"), byModel, r.get("reason"), ResultsStore.parse(r.get("jacobian")));
    }

    static String num(double d) {
        return CsvTable.num(d);
    }
}
