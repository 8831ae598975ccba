package dev.unetscope.features;

import java.util.List;
import java.util.Map;

/**
 * The features of one checkpoint on one set at the sampled positions. {@code caseIds} lists the
 * cases; position i belongs to case {@code caseOf[i]} at input voxel {@code (z, y, x)} =
 * {@code positions[3i .. 3i+2]}. {@code layers} is in network order and starts with
 * {@link FeatureExtractor#IMAGE}, the input intensities (the "input" of the first tap).
 */
public record FeatureSample(String set, List<String> caseIds, int[] caseOf, int[] positions, Map<String, LayerSample> layers) {
    public int n() {
        return caseOf.length;
    }

    public LayerSample layer(String name) {
        return layers.get(name);
    }
}
