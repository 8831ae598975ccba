package dev.unetscope.metrics;

import java.util.List;
import java.util.Set;

import static dev.unetscope.metrics.Score.Level.CASE;
import static dev.unetscope.metrics.Score.Level.LAYER;
import static dev.unetscope.metrics.Score.Level.SET;

/**
 * Every score unetscope computes, in the order tables list them. Every list of score names (table
 * columns, predictor inputs, failure flags, the report, what {@code predict} prints) is derived from
 * this registry, so adding a score is one entry here plus its formula.
 */
public final class Scores {
    private Scores() {}

    public static final Score CONFIDENCE = new Score("confidence", Set.of(LAYER, CASE, SET), true, true, true, "c_",
            "the seed's confidence: mean over layers of the best mixture's log-likelihood per dimension (c_l)");
    public static final Score ROUGHNESS = new Score("roughness", Set.of(LAYER, CASE, SET), true, false, true, "roughness_",
            "the seed's roughness: Davies-Bouldin of a layer's features grouped by k-means clusters of its input");
    public static final Score ROUGHNESS_REVERSE = new Score("roughness_reverse", Set.of(LAYER, SET), true, false, true, null,
            "roughness the other way: the input's features grouped by clusters of the layer's output");
    public static final Score JACOBIAN = new Score("jacobian", Set.of(LAYER, CASE, SET), true, false, false, null,
            "what roughness stands for: root mean square over sampled positions and channels of the norm of the Jacobian of a layer's standardised features with respect to the image (random projections)");
    public static final Score DB_LABELS = new Score("db_labels", Set.of(LAYER, SET), false, false, false, null,
            "Davies-Bouldin of a layer's features grouped by the ground-truth label (needs labels: the reference)");
    public static final Score SOFTMAX_CONFIDENCE = new Score("softmax_confidence", Set.of(CASE, SET), true, true, true, null,
            "mean over voxels of max(p, 1 - p)");
    public static final Score GLAND_CONFIDENCE = new Score("gland_confidence", Set.of(CASE, SET), true, true, false, null,
            "mean p over the predicted gland (undefined when nothing is predicted)");
    public static final Score ENTROPY = new Score("entropy", Set.of(CASE, SET), true, false, true, null,
            "mean binary entropy of p, in bits");
    public static final Score ENTROPY_FOREGROUND = new Score("entropy_foreground", Set.of(CASE, SET), true, false, false, null,
            "mean binary entropy of p over the predicted gland, in bits (undefined when nothing is predicted)");
    public static final Score ENTROPY_BOUNDARY = new Score("entropy_boundary", Set.of(CASE, SET), true, false, false, null,
            "mean binary entropy of p over the band within one 6-step of the predicted gland's surface (undefined when nothing is predicted)");
    public static final Score ENTROPY_PATCH_MAX = new Score("entropy_patch_max", Set.of(CASE, SET), true, false, false, null,
            "maximum over non-overlapping 4x8x8-voxel patches of the patch's mean binary entropy");
    public static final Score SOFT_IOU = new Score("soft_iou", Set.of(CASE, SET), true, true, true, null,
            "IoU of p with its own thresholded mask");
    public static final Score ATC_IOU = new Score("atc_iou", Set.of(CASE, SET), true, true, false, null,
            "average thresholded confidence for IoU: confident predicted gland over predicted gland plus unconfident background, threshold fitted on the validation split");
    public static final Score TTA_AGREEMENT = new Score("tta_agreement", Set.of(CASE, SET), true, true, true, null,
            "IoU with the prediction of a flipped, intensity-jittered copy");
    public static final Score CHECKPOINT_AGREEMENT = new Score("checkpoint_agreement", Set.of(CASE, SET), true, true, true, null,
            "mean IoU with the other runs' final checkpoints");
    public static final Score REPLICATE_AGREEMENT = new Score("replicate_agreement", Set.of(CASE, SET), true, true, false, null,
            "mean IoU with the final checkpoints of the other replicates (other seeds) of the same objective");
    public static final Score MAHALANOBIS = new Score("mahalanobis", Set.of(CASE, SET), true, false, true, null,
            "mean Mahalanobis distance of the bottleneck features to the training features");
    public static final Score MAHALANOBIS_PCA = new Score("mahalanobis_pca", Set.of(LAYER, CASE, SET), true, false, false, null,
            "Mahalanobis distance per dimension to a Gaussian of the training features on their first principal components, per layer; combined: mean over layers");
    public static final Score KNN_DISTANCE = new Score("knn_distance", Set.of(LAYER, CASE, SET), true, false, false, null,
            "distance per dimension to the k-th nearest training feature (a seeded reference sample), per layer; combined: mean over layers");
    public static final Score MAHALANOBIS_POOLED = new Score("mahalanobis_pooled", Set.of(LAYER, CASE, SET), true, false, false, null,
            "Mahalanobis distance per dimension of a case's average-pooled features to a Gaussian of the training cases' pooled features on their first principal components, per layer; combined: mean over layers");

    public static final List<Score> ALL = List.of(CONFIDENCE, ROUGHNESS, ROUGHNESS_REVERSE, JACOBIAN, DB_LABELS, SOFTMAX_CONFIDENCE, GLAND_CONFIDENCE,
            ENTROPY, ENTROPY_FOREGROUND, ENTROPY_BOUNDARY, ENTROPY_PATCH_MAX, SOFT_IOU, ATC_IOU, TTA_AGREEMENT, CHECKPOINT_AGREEMENT, REPLICATE_AGREEMENT,
            MAHALANOBIS, MAHALANOBIS_PCA, KNN_DISTANCE, MAHALANOBIS_POOLED);

    /** Scores at one level, in registry order. */
    public static List<Score> at(Score.Level level) {
        return ALL.stream().filter(s -> s.at(level)).toList();
    }

    public static List<String> names(List<Score> scores) {
        return scores.stream().map(Score::name).toList();
    }

    /** Set-level scores computed from the layers (the rest of the set-level scores are means over cases). */
    public static List<Score> fromLayers() {
        return ALL.stream().filter(s -> s.at(SET) && s.at(LAYER)).toList();
    }

    /** Set-level scores that are means of their per-case values and have no per-layer form. */
    public static List<Score> fromCases() {
        return ALL.stream().filter(s -> s.at(SET) && s.at(CASE) && !s.at(LAYER)).toList();
    }

    /** The predictor's set-level inputs: label-free scores marked as predictor inputs. */
    public static List<Score> predictorInputs() {
        return ALL.stream().filter(s -> s.labelFree() && s.predictorInput() && s.at(SET)).toList();
    }

    /** Scores with a per-layer form among the predictor's inputs (c_l and roughness_l). */
    public static List<Score> layerInputs() {
        return ALL.stream().filter(s -> s.labelFree() && s.layerPrefix() != null).toList();
    }

    public static Score byName(String name) {
        for (Score s : ALL) if (s.name().equals(name)) return s;
        throw new IllegalArgumentException("no score " + name);
    }
}
