package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import dev.unetscope.io.BadInputException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seed's label-free confidence for one layer: mixture models fitted on the training cases'
 * (standardised) features for every family m in M and number of components k in K; a query set's
 * {@code c_l} is the largest mean log-likelihood per feature dimension over the (m, k):
 * {@code c_l = max_{m,k} mean_x log p(x | Theta_{l,m,k}) / D}. Per dimension, so layers of
 * different width compare.
 */
public final class Confidence {
    private final Map<String, GaussianMixtureModel> models = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();

    private Confidence() {}

    /** Fits every (family, k) on the training features; a model that cannot be fitted is recorded as a failure. */
    public static Confidence fit(LayerSample train, AnalysisConfig cfg) {
        Confidence c = new Confidence();
        FeatureMatrix x = LayerMetrics.matrix(train);
        for (String family : cfg.families()) {
            for (int k : cfg.mixtureKs()) {
                String col = AnalysisConfig.column(family, k);
                try {
                    c.models.put(col, new GaussianMixture(k, AnalysisConfig.family(family), cfg.seed()).fit(x));
                } catch (BadInputException | ArithmeticException | IllegalStateException e) {
                    c.failures.put(col, e.getMessage());
                }
            }
        }
        return c;
    }

    /** Mean log-likelihood per dimension of {@code query} under each fitted model (NaN for failed fits). */
    public Map<String, Double> score(LayerSample query) {
        FeatureMatrix x = LayerMetrics.matrix(query);
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, GaussianMixtureModel> e : models.entrySet()) out.put(e.getKey(), e.getValue().meanLogLikelihoodPerDim(x));
        for (String f : failures.keySet()) out.put(f, Double.NaN);
        return out;
    }

    /** Per-point log-likelihood per dimension under the best model for this set (for per-case scores). */
    public double[] scorePoints(LayerSample query, String column) {
        GaussianMixtureModel m = models.get(column);
        if (m == null) throw new BadInputException("no fitted model " + column, failures.getOrDefault(column, ""));
        double[] s = m.scoreSamples(LayerMetrics.matrix(query));
        for (int i = 0; i < s.length; i++) s[i] /= query.channels();
        return s;
    }

    public Map<String, String> failures() {
        return failures;
    }

    /** c_l: the best of the per-model values, ignoring NaN. */
    public static double best(Map<String, Double> byModel) {
        double best = Double.NaN;
        for (double v : byModel.values()) if (!Double.isNaN(v) && (Double.isNaN(best) || v > best)) best = v;
        return best;
    }

    public static String argBest(Map<String, Double> byModel) {
        String arg = null;
        double best = Double.NaN;
        for (Map.Entry<String, Double> e : byModel.entrySet()) {
            double v = e.getValue();
            if (!Double.isNaN(v) && (Double.isNaN(best) || v > best)) {
                best = v;
                arg = e.getKey();
            }
        }
        return arg;
    }
}
