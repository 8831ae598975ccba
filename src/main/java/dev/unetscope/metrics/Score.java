package dev.unetscope.metrics;

import java.util.Set;

/**
 * One score that may predict a checkpoint's IoU: its name (the column in every table), the levels at
 * which it exists, whether it needs labels, and which way it points.
 *
 * @param name          column name in layers.csv / case_scores.csv / checkpoints.csv / correlations.csv
 * @param levels        where it is computed: per layer, per case, per (checkpoint, set)
 * @param labelFree     true when no ground-truth mask is used (only these may predict IoU on new data)
 * @param higherIsConfident true when a higher value means the network is more likely right
 *                          (others are negated to flag failures)
 * @param predictorInput true when the IoU predictor uses its set value (false for scores that are
 *                       undefined on some checkpoints, e.g. gland confidence with nothing predicted)
 * @param layerPrefix   column prefix of its per-layer form among the predictor's inputs ({@code c_} for
 *                      confidence); null when it has none
 * @param description   one line for the report and --help
 */
public record Score(String name, Set<Level> levels, boolean labelFree, boolean higherIsConfident, boolean predictorInput,
                    String layerPrefix, String description) {

    /** Where a score is computed. */
    public enum Level { LAYER, CASE, SET }

    public boolean at(Level l) {
        return levels.contains(l);
    }

    /** The name of its per-layer value for {@code layer}, e.g. {@code c_enc1}. */
    public String layerColumn(String layer) {
        return layerPrefix + layer;
    }
}
