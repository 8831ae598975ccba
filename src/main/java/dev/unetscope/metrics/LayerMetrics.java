package dev.unetscope.metrics;

import dev.unetscope.features.LayerSample;
import dev.unetscope.io.BadInputException;

/**
 * The seed's per-layer metrics on standardised features, each a pure function of arrays:
 * <ul>
 *   <li>{@code db_labels}: Davies-Bouldin index of the layer's features grouped by the downsampled
 *       gland/background label (label-dependent; the reference the label-free scores are judged by);</li>
 *   <li>{@code roughness}: cluster the layer's input features (the previous tap; the image for the
 *       first) with k-means, then the Davies-Bouldin index of the layer's output grouped by those
 *       input clusters. A layer that tears apart points that were together scores high;</li>
 *   <li>{@code roughness_reverse}: the other direction (cluster the output, score the input), since
 *       published summaries disagree on the direction.</li>
 * </ul>
 * An undefined value (one class only, too few distinct points, NaN features) throws
 * {@link BadInputException}; the caller records NaN with the message as the reason.
 */
public final class LayerMetrics {
    private LayerMetrics() {}

    public static FeatureMatrix matrix(LayerSample s) {
        return new FeatureMatrix(s.data(), s.n(), s.channels());
    }

    public static double dbLabels(LayerSample s) {
        if (s.labels() == null) throw new BadInputException("the set has no labels", "db_labels needs masks");
        int[] labels = new int[s.n()];
        for (int i = 0; i < labels.length; i++) labels[i] = s.labels()[i];
        return DaviesBouldin.score(matrix(s), labels);
    }

    public static double roughness(LayerSample input, LayerSample output, int k, long seed) {
        int[] clusters = new KMeans(k, seed).fit(matrix(input)).labels();
        return DaviesBouldin.score(matrix(output), clusters);
    }
}
