package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import dev.unetscope.io.BadInputException;

import java.util.List;

/**
 * The per-case forms of the set-level scores. A set's sampled points are stored case after case;
 * {@code start[c] .. start[c + 1]} are case c's rows. For one case:
 * <ul>
 *   <li>confidence: per layer, the mean over the case's points of the per-dimension log-likelihood under
 *       the layer's best mixture for the set; then the mean over layers (layers without a fitted model
 *       are left out);</li>
 *   <li>roughness: per layer, Davies-Bouldin of the case's points of that layer grouped by the set's
 *       input-layer clusters; then the mean over the layers where it is defined (at least two clusters
 *       among the case's points);</li>
 *   <li>any per-point value (Mahalanobis distance): its mean over the case's points.</li>
 * </ul>
 * A case without points gets NaN.
 */
public final class CaseForms {
    private CaseForms() {}

    /** Row ranges per case from the case index of each row (rows sorted by case). */
    public static int[] caseStarts(int[] caseOf, int nCases) {
        int[] start = new int[nCases + 1];
        for (int i = 0; i < caseOf.length; i++) start[caseOf[i] + 1] = i + 1;
        for (int c = 1; c <= nCases; c++) start[c] = Math.max(start[c], start[c - 1]);
        return start;
    }

    /** Mean of {@code values} over each case's rows. */
    public static double[] means(double[] values, int[] start) {
        int n = start.length - 1;
        double[] out = new double[n];
        for (int c = 0; c < n; c++) {
            if (start[c + 1] == start[c]) {
                out[c] = Double.NaN;
                continue;
            }
            double sum = 0;
            for (int i = start[c]; i < start[c + 1]; i++) sum += values[i];
            out[c] = sum / (start[c + 1] - start[c]);
        }
        return out;
    }

    /**
     * Per case: the mean over layers of the mean of the case's points at that layer (one array of
     * per-point values per layer: the feature distances); a case without points gets NaN.
     */
    public static double[] meanOverLayers(List<double[]> pointValuesByLayer, int[] start) {
        return confidence(pointValuesByLayer, start);
    }

    /**
     * Average pooling over each case's points: one row per case, the mean of its rows of {@code layer}
     * (NaN for a case without points). Woodland et al.'s pooled features, over the sampled positions.
     */
    public static LayerSample pooled(LayerSample layer, int[] start) {
        int n = start.length - 1, d = layer.channels();
        float[] x = layer.data(), out = new float[n * d];
        double[] sum = new double[d];
        for (int c = 0; c < n; c++) {
            java.util.Arrays.fill(sum, 0);
            int m = start[c + 1] - start[c];
            for (int i = start[c]; i < start[c + 1]; i++) for (int j = 0; j < d; j++) sum[j] += x[i * d + j];
            for (int j = 0; j < d; j++) out[c * d + j] = m == 0 ? Float.NaN : (float) (sum[j] / m);
        }
        return new LayerSample(layer.name(), d, layer.stride(), out, null);
    }

    /** Per-case confidence from each layer's per-point log-likelihoods per dimension (one array per layer). */
    public static double[] confidence(List<double[]> pointScoresByLayer, int[] start) {
        int n = start.length - 1;
        double[] sum = new double[n];
        int[] count = new int[n];
        for (double[] pts : pointScoresByLayer) {
            double[] m = means(pts, start);
            for (int c = 0; c < n; c++) {
                if (start[c + 1] == start[c]) continue;
                sum[c] += m[c];
                count[c]++;
            }
        }
        double[] out = new double[n];
        for (int c = 0; c < n; c++) out[c] = count[c] == 0 ? Double.NaN : sum[c] / count[c];
        return out;
    }

    /** Per-case roughness: per layer, DB of the case's rows of {@code layers.get(j)} grouped by {@code labels.get(j)}; mean over layers. */
    public static double[] roughness(List<LayerSample> layers, List<int[]> labels, int[] start) {
        int n = start.length - 1;
        double[] sum = new double[n];
        int[] count = new int[n];
        for (int j = 0; j < layers.size(); j++) {
            for (int c = 0; c < n; c++) {
                try {
                    sum[c] += LayerMetrics.dbOfRows(layers.get(j), labels.get(j), start[c], start[c + 1]);
                    count[c]++;
                } catch (BadInputException ex) {
                    // fewer than two clusters among this case's points: no per-case value at this layer
                }
            }
        }
        double[] out = new double[n];
        for (int c = 0; c < n; c++) out[c] = count[c] == 0 ? Double.NaN : sum[c] / count[c];
        return out;
    }
}
