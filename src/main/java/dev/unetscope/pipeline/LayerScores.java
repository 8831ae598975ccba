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
 * @param mahalanobisPca   mean over the points of the Mahalanobis distance on PCA-reduced features ({@link dev.unetscope.metrics.PcaMahalanobis})
 * @param knnDistance      mean over the points of the k-th nearest training point's distance ({@link dev.unetscope.metrics.KnnDistance})
 * @param mahalanobisPooled mean over the cases of the Mahalanobis distance on PCA-reduced features of the case's average-pooled features
 */
public record LayerScores(String layer, String inputLayer, int channels, int points, double dbLabels, double roughness,
                          double roughnessReverse, double confidence, String bestModel, Map<String, Double> byModel, String reason,
                          double jacobian, double mahalanobisPca, double knnDistance, double mahalanobisPooled) implements java.io.Serializable {

    /** A layer without the Jacobian norm and the feature distances (NaN). */
    public LayerScores(String layer, String inputLayer, int channels, int points, double dbLabels, double roughness,
                       double roughnessReverse, double confidence, String bestModel, Map<String, Double> byModel, String reason) {
        this(layer, inputLayer, channels, points, dbLabels, roughness, roughnessReverse, confidence, bestModel, byModel, reason, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN);
    }

    /** This row with the feature distances, and {@code why} (why some are NaN) added to its reason. */
    public LayerScores withDistances(double pca, double knn, double pooled, List<String> why) {
        String r = why.isEmpty() ? reason : reason.isEmpty() ? String.join("; ", why) : reason + "; " + String.join("; ", why);
        return new LayerScores(layer, inputLayer, channels, points, dbLabels, roughness, roughnessReverse, confidence, bestModel, byModel, r,
                jacobian, pca, knn, pooled);
    }

    /** This row with the Jacobian norm, and {@code why} (why it is NaN; empty when defined) added to its reason. */
    public LayerScores withJacobian(double j, String why) {
        String r = why.isEmpty() ? reason : reason.isEmpty() ? why : reason + "; " + why;
        return new LayerScores(layer, inputLayer, channels, points, dbLabels, roughness, roughnessReverse, confidence, bestModel, byModel, r,
                j, mahalanobisPca, knnDistance, mahalanobisPooled);
    }

    public double value(String score) {
        return switch (score) {
            case "db_labels" -> dbLabels;
            case "roughness" -> roughness;
            case "roughness_reverse" -> roughnessReverse;
            case "confidence" -> confidence;
            case "jacobian" -> jacobian;
            case "mahalanobis_pca" -> mahalanobisPca;
            case "knn_distance" -> knnDistance;
            case "mahalanobis_pooled" -> mahalanobisPooled;
            default -> throw new IllegalArgumentException("no layer-level score " + score);
        };
    }

    /** The cells after the key columns, in {@link ResultsStore#layerColumns} order. */
    List<Object> cells(List<String> modelColumns) {
        List<Object> row = new java.util.ArrayList<>(List.of(layer, inputLayer, channels, points, dbLabels, roughness, roughnessReverse,
                jacobian, confidence, bestModel == null ? "null" : bestModel));
        for (String c : modelColumns) row.add(byModel.getOrDefault(c, Double.NaN));
        row.add(mahalanobisPca);
        row.add(knnDistance);
        row.add(mahalanobisPooled);
        row.add(reason);
        return row;
    }

    static LayerScores fromRow(Map<String, String> r, List<String> modelColumns) {
        Map<String, Double> byModel = new LinkedHashMap<>();
        for (String c : modelColumns) byModel.put(c, ResultsStore.parse(r.get(c)));
        return new LayerScores(r.get("layer"), r.get("input_layer"), Integer.parseInt(r.get("channels")), Integer.parseInt(r.get("points")),
                ResultsStore.parse(r.get("db_labels")), ResultsStore.parse(r.get("roughness")), ResultsStore.parse(r.get("roughness_reverse")),
                ResultsStore.parse(r.get("confidence")), r.get("best_model"), byModel, r.get("reason"), ResultsStore.parse(r.get("jacobian")),
                ResultsStore.parse(r.get("mahalanobis_pca")), ResultsStore.parse(r.get("knn_distance")), // blank or absent (older tables): NaN
                ResultsStore.parse(r.get("mahalanobis_pooled")));
    }

    static String num(double d) {
        return CsvTable.num(d);
    }
}
