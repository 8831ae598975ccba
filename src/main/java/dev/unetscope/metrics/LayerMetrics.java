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
        return DaviesBouldin.score(matrix(output), inputClusters(input, k, seed));
    }

    /** The k-means labels of the layer input that roughness groups the output by. */
    public static int[] inputClusters(LayerSample input, int k, long seed) {
        return new KMeans(k, seed).fit(matrix(input)).labels();
    }

    /** Davies-Bouldin of the rows {@code from..to} of {@code s} grouped by {@code labels[from..to]} (one case's points). */
    public static double dbOfRows(LayerSample s, int[] labels, int from, int to) {
        int c = s.channels();
        float[] d = java.util.Arrays.copyOfRange(s.data(), from * c, to * c);
        return DaviesBouldin.score(new FeatureMatrix(d, to - from, c), java.util.Arrays.copyOfRange(labels, from, to));
    }
}
