package dev.unetscope.metrics;

import dev.unetscope.io.BadInputException;

import java.util.List;

/**
 * Settings of the interior-feature metrics, recorded in {@code experiment.json} under {@code analysis}.
 *
 * @param samplesPerCase   receptive-field positions per case
 * @param sampleSeed       seed of the positions (the same for every layer and checkpoint)
 * @param stratify         draw half the positions inside the checkpoint's predicted mask (label-free)
 * @param roughnessK       clusters of the layer input for roughness (and of the output for roughness_reverse)
 * @param mixtureKs        numbers of components K of the confidence mixtures
 * @param families         mixture families M ("diag", "full")
 * @param layerWeights     weight w_l of each layer in the combined confidence; empty means uniform
 * @param seed             seed of k-means and mixture initialisation (and of the k-NN reference sample)
 * @param pcaComponents    principal components kept per layer for {@code mahalanobis_pca} (fewer when the layer has fewer channels)
 * @param knnK             k of {@code knn_distance}: the distance to the k-th nearest training point
 * @param knnReference     training points per layer (a seeded sample) that {@code knn_distance} searches
 * @param jacobianProbes   Gaussian probe fields K of the Jacobian-norm estimate ({@code jacobian}); 0 turns it off. Null
 *                         (absent from {@code experiment.json}) means {@link #DEFAULT_JACOBIAN_PROBES}; the default is
 *                         stored as null
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record AnalysisConfig(int samplesPerCase, long sampleSeed, boolean stratify, int roughnessK, List<Integer> mixtureKs,
                             List<String> families, java.util.Map<String, Double> layerWeights, long seed,
                             int pcaComponents, int knnK, int knnReference, Integer jacobianProbes) implements java.io.Serializable {

    /** Defaults of the feature-distance settings: 16 components, k = 5, 2048 reference points. */
    public static final int PCA_COMPONENTS = 16, KNN_K = 5, KNN_REFERENCE = 2048;
    /** Probe fields of the Jacobian-norm estimate unless set (its relative standard deviation is measured in docs/ARCHITECTURE.md). */
    public static final int DEFAULT_JACOBIAN_PROBES = 2;

    public static AnalysisConfig defaults() {
        return new AnalysisConfig(2000, 1, false, 8, List.of(1, 2, 4, 8), List.of("diag", "full"), java.util.Map.of(), 1);
    }

    /** The seed's settings, with the feature distances and the Jacobian norm at their defaults. */
    public AnalysisConfig(int samplesPerCase, long sampleSeed, boolean stratify, int roughnessK, List<Integer> mixtureKs,
                          List<String> families, java.util.Map<String, Double> layerWeights, long seed) {
        this(samplesPerCase, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, PCA_COMPONENTS, KNN_K, KNN_REFERENCE, null);
    }

    /** With the feature distances' settings; the Jacobian norm at its default. */
    public AnalysisConfig(int samplesPerCase, long sampleSeed, boolean stratify, int roughnessK, List<Integer> mixtureKs,
                          List<String> families, java.util.Map<String, Double> layerWeights, long seed,
                          int pcaComponents, int knnK, int knnReference) {
        this(samplesPerCase, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, pcaComponents, knnK, knnReference, null);
    }

    /** With the Jacobian norm's probes; the feature distances at their defaults. */
    public AnalysisConfig(int samplesPerCase, long sampleSeed, boolean stratify, int roughnessK, List<Integer> mixtureKs,
                          List<String> families, java.util.Map<String, Double> layerWeights, long seed, Integer jacobianProbes) {
        this(samplesPerCase, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, PCA_COMPONENTS, KNN_K, KNN_REFERENCE, jacobianProbes);
    }

    public AnalysisConfig {
        if (samplesPerCase < 1) throw new BadInputException("--samples-per-case " + samplesPerCase + " must be at least 1", null);
        if (roughnessK < 2) throw new BadInputException("--roughness-k " + roughnessK + " must be at least 2", null);
        if (mixtureKs == null || mixtureKs.isEmpty() || mixtureKs.stream().anyMatch(k -> k < 1)) {
            throw new BadInputException("--mixture-k " + mixtureKs + " must be positive integers", "e.g. 1,2,4,8");
        }
        for (String f : families) family(f);
        if (layerWeights == null) layerWeights = java.util.Map.of();
        if (pcaComponents < 1) throw new BadInputException("--pca-components " + pcaComponents + " must be at least 1", null);
        if (knnK < 1) throw new BadInputException("--knn-k " + knnK + " must be at least 1", null);
        if (knnReference < knnK) throw new BadInputException("--knn-reference " + knnReference + " must be at least --knn-k (" + knnK + ")", null);
        if (jacobianProbes != null && jacobianProbes < 0) {
            throw new BadInputException("--jacobian-probes " + jacobianProbes + " must be at least 0", "0 turns the Jacobian norm off; the default is " + DEFAULT_JACOBIAN_PROBES);
        }
        if (jacobianProbes != null && jacobianProbes == DEFAULT_JACOBIAN_PROBES) jacobianProbes = null;
    }

    /** K, the Gaussian probe fields of the Jacobian-norm estimate (0: not computed). */
    public int jacobianK() {
        return jacobianProbes == null ? DEFAULT_JACOBIAN_PROBES : jacobianProbes;
    }

    public AnalysisConfig withJacobianProbes(int k) {
        return new AnalysisConfig(samplesPerCase, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, pcaComponents, knnK, knnReference, k);
    }

    /** These settings with the feature distances' settings replaced. */
    public AnalysisConfig withDistances(int pcaComponents, int knnK, int knnReference) {
        return new AnalysisConfig(samplesPerCase, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, pcaComponents, knnK, knnReference, jacobianProbes);
    }

    public AnalysisConfig withMixtureKs(List<Integer> ks) {
        return new AnalysisConfig(samplesPerCase, sampleSeed, stratify, roughnessK, ks, families, layerWeights, seed, pcaComponents, knnK, knnReference, jacobianProbes);
    }

    public AnalysisConfig withSamplesPerCase(int n) {
        return new AnalysisConfig(n, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, pcaComponents, knnK, knnReference, jacobianProbes);
    }

    public static CovarianceType family(String name) {
        return switch (name) {
            case "diag", "diagonal" -> CovarianceType.DIAGONAL;
            case "full" -> CovarianceType.FULL;
            default -> throw new BadInputException("unknown mixture family '" + name + "'", "use diag and/or full");
        };
    }

    /** The column name of one (family, k) confidence value, e.g. {@code conf_full_k4}. */
    public static String column(String family, int k) {
        return "conf_" + family + "_k" + k;
    }
}
