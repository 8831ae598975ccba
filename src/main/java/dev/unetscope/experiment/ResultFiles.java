package dev.unetscope.experiment;

import java.util.List;

/**
 * The names of the experiment's result files under {@code results/} and the fixed leading columns of
 * its tables, in one place: the stages that write them, the analysis that reads them and the report
 * all refer here. docs/ARCHITECTURE.md describes each file.
 */
public final class ResultFiles {
    private ResultFiles() {}

    public static final String TRAINING_CSV = "training.csv";
    public static final String CASES_CSV = "cases.csv";
    public static final String CHECKPOINTS_CSV = "checkpoints.csv";
    public static final String LAYERS_CSV = "layers.csv";
    public static final String CASE_SCORES_CSV = "case_scores.csv";
    /** Per checkpoint: the set-level scores on the validation split's inputs (the seed's X_val). */
    public static final String VALIDATION_SCORES_CSV = "validation_scores.csv";
    /** The set name the validation split's scores carry in the tables' {@code query} column. */
    public static final String VALIDATION = "val";
    /** The query set whose IoU the seed's protocol predicts: the in-distribution test split. */
    public static final String TEST = "test";
    public static final String CORRELATIONS_CSV = "correlations.csv";
    public static final String PREDICTION_CSV = "prediction.csv";
    public static final String PREDICTION_SUMMARY_CSV = "prediction_summary.csv";
    public static final String FAILURE_CSV = "failure.csv";
    public static final String PREDICTOR_JSON = "predictor.json";
    /** Per (case, checkpoint): the per-case IoU predictor's held-out prediction beside the true IoU. */
    public static final String CASE_PREDICTION_CSV = "case_prediction.csv";
    /** The per-case predictor's errors and its failure flags' quality. */
    public static final String CASE_PREDICTION_SUMMARY_CSV = "case_prediction_summary.csv";
    /** The per-case ridge model fitted on every labelled (case, checkpoint) pair, applied by {@code predict}. */
    public static final String CASE_PREDICTOR_JSON = "case_predictor.json";
    /** Per labelled query set held out: the checkpoint ranking's top pick against the truly best checkpoint. */
    public static final String CHECKPOINT_RANKING_CSV = "checkpoint_ranking.csv";
    /** Every set-level score side by side: family, r overall and within checkpoint, failure AUROC, and their ranks. */
    public static final String SCORE_COMPARISON_CSV = "score_comparison.csv";
    /** The set-level predictor's held-out error on the seed's scores, with the first-release baselines, and with every label-free score. */
    public static final String PREDICTOR_COMPARISON_CSV = "predictor_comparison.csv";
    /** Per layer and per-layer score: r with IoU overall and within checkpoint. */
    public static final String LAYER_SIGNAL_CSV = "layer_signal.csv";
    /** How the seed's roughness agrees with the Jacobian norm it stands for, per layer and combined, and each one's correlation with IoU. */
    public static final String JACOBIAN_ROUGHNESS_CSV = "jacobian_roughness.csv";
    /** Under the experiment: one folder per prediction on new scans ({@code predictions/NAME/}). */
    public static final String PREDICTIONS_DIR = "predictions";

    /** Per case ground truth; {@code settings} is the hash of the evaluation settings that made the row. */
    public static final List<String> CASE_COLUMNS = List.of("run", "objective", "replicate", "step", "query", "case", "iou", "dice",
            "predicted_voxels", "truth_voxels", "settings");
    /** Per checkpoint and query set; the analysis adds the combined score columns and {@code analysis_settings}. */
    public static final List<String> CHECKPOINT_COLUMNS = List.of("run", "objective", "replicate", "step", "epoch", "query", "cases",
            "iou", "dice", "val_iou", "settings");
}
