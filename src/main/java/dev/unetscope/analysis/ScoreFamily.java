package dev.unetscope.analysis;

import dev.unetscope.metrics.Score;

import java.util.List;
import java.util.Set;

/**
 * Where a score comes from, for the honest comparison with the seed's: the seed's own scores, the
 * baselines of unetscope's first release, and the scores added since (the field's 2022-2025 label-free
 * scores). Keyed by score name, so a score the registry gains later is {@link #NEW} without an edit here.
 */
public enum ScoreFamily {
    /** The talk's scores: confidence (c_l), roughness and its reverse. */
    SEED("seed"),
    /** The baselines a reviewer asks for, as the first release computed them (db_labels: the label-using reference). */
    FIRST_RELEASE("first-release baseline"),
    /** Everything added after the first release. */
    NEW("new");

    private static final Set<String> SEED_SCORES = Set.of("confidence", "roughness", "roughness_reverse");
    private static final Set<String> FIRST_RELEASE_SCORES = Set.of("softmax_confidence", "gland_confidence", "entropy", "soft_iou",
            "tta_agreement", "checkpoint_agreement", "mahalanobis", "db_labels");
    /** The new scores known when this was written (any other name not above is new too; a name may be absent from the registry). */
    public static final List<String> KNOWN_NEW = List.of("entropy_foreground", "entropy_boundary", "entropy_patch_max", "atc_iou",
            "replicate_agreement", "jacobian", "mahalanobis_pca", "knn_distance");

    private final String label;

    ScoreFamily(String label) {
        this.label = label;
    }

    /** The family's name in the tables and the report. */
    public String label() {
        return label;
    }

    public static ScoreFamily of(String scoreName) {
        if (SEED_SCORES.contains(scoreName)) return SEED;
        if (FIRST_RELEASE_SCORES.contains(scoreName)) return FIRST_RELEASE;
        return NEW;
    }

    public static ScoreFamily of(Score s) {
        return of(s.name());
    }
}
