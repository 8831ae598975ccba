package dev.unetscope.pipeline;

import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One checkpoint's scores on one set of scans: per layer and per case. {@link #combined} is the one
 * aggregation to the set level: confidence is the weighted mean of c_l over layers (the seed's
 * {@code (1/L) sum w_l c_l}, uniform by default), the other layer scores the mean over layers, the
 * per-case scores the mean over cases; NaN values are left out.
 */
public record SetScores(String set, List<LayerScores> layers, List<CaseScores> cases) {

    public Map<String, Double> combined(Map<String, Double> layerWeights) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Score s : Scores.fromLayers()) {
            double sum = 0, weight = 0;
            for (LayerScores l : layers) {
                double v = l.value(s.name());
                if (Double.isNaN(v)) continue;
                double w = s == Scores.CONFIDENCE ? layerWeights.getOrDefault(l.layer(), 1.0) : 1.0;
                sum += w * v;
                weight += w;
            }
            out.put(s.name(), weight == 0 ? Double.NaN : sum / weight);
        }
        for (Score s : Scores.fromCases()) {
            double sum = 0;
            int n = 0;
            for (CaseScores c : cases) {
                double v = c.value(s.name());
                if (Double.isNaN(v)) continue;
                sum += v;
                n++;
            }
            out.put(s.name(), n == 0 ? Double.NaN : sum / n);
        }
        return out;
    }

    /** Why the checkpoint's scores on this set are NaN when it diverged ({@link dev.unetscope.model.Divergence}), else empty. */
    public String divergence() {
        for (LayerScores l : layers) if (dev.unetscope.model.Divergence.is(l.reason())) return l.reason();
        return "";
    }

    /**
     * The IoU predictor's inputs for this set: the combined label-free scores and, per layer, the
     * layer forms ({@code c_LAYER}, {@code roughness_LAYER}).
     */
    public Map<String, Double> predictorValues(Map<String, Double> layerWeights) {
        Map<String, Double> v = new LinkedHashMap<>(combined(layerWeights));
        for (LayerScores l : layers) for (Score s : Scores.layerInputs()) v.put(s.layerColumn(l.layer()), l.value(s.name()));
        return v;
    }
}
