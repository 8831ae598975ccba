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
 * @param seed             seed of k-means and mixture initialisation
 * @param jacobianProbes   Gaussian probe fields K of the Jacobian-norm estimate ({@code jacobian}); 0 turns it off. Null
 *                         (absent from {@code experiment.json}) means {@link #DEFAULT_JACOBIAN_PROBES}, and the default is
 *                         stored as null, so the settings hash at the default is the one versions without this setting gave
 *                         (their tables lack the {@code jacobian} column and are refused by the column check: {@code --recompute})
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record AnalysisConfig(int samplesPerCase, long sampleSeed, boolean stratify, int roughnessK, List<Integer> mixtureKs,
                             List<String> families, java.util.Map<String, Double> layerWeights, long seed, Integer jacobianProbes)
        implements java.io.Serializable {

    /** Probe fields of the Jacobian-norm estimate unless set (its relative standard deviation is measured in docs/ARCHITECTURE.md). */
    public static final int DEFAULT_JACOBIAN_PROBES = 2;

    public static AnalysisConfig defaults() {
        return new AnalysisConfig(2000, 1, false, 8, List.of(1, 2, 4, 8), List.of("diag", "full"), java.util.Map.of(), 1);
    }

    /** The settings before the Jacobian norm's: its probes at the default. */
    public AnalysisConfig(int samplesPerCase, long sampleSeed, boolean stratify, int roughnessK, List<Integer> mixtureKs,
                          List<String> families, java.util.Map<String, Double> layerWeights, long seed) {
        this(samplesPerCase, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, null);
    }

    /** K, the Gaussian probe fields of the Jacobian-norm estimate (0: not computed). */
    public int jacobianK() {
        return jacobianProbes == null ? DEFAULT_JACOBIAN_PROBES : jacobianProbes;
    }

    public AnalysisConfig withJacobianProbes(int k) {
        return new AnalysisConfig(samplesPerCase, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, k);
    }

    public AnalysisConfig {
        if (samplesPerCase < 1) throw new BadInputException("--samples-per-case " + samplesPerCase + " must be at least 1", null);
        if (roughnessK < 2) throw new BadInputException("--roughness-k " + roughnessK + " must be at least 2", null);
        if (mixtureKs == null || mixtureKs.isEmpty() || mixtureKs.stream().anyMatch(k -> k < 1)) {
            throw new BadInputException("--mixture-k " + mixtureKs + " must be positive integers", "e.g. 1,2,4,8");
        }
        for (String f : families) family(f);
        if (layerWeights == null) layerWeights = java.util.Map.of();
        if (jacobianProbes != null && jacobianProbes < 0) {
            throw new BadInputException("--jacobian-probes " + jacobianProbes + " must be at least 0", "0 turns the Jacobian norm off; the default is " + DEFAULT_JACOBIAN_PROBES);
        }
        if (jacobianProbes != null && jacobianProbes == DEFAULT_JACOBIAN_PROBES) jacobianProbes = null;
    }

    public AnalysisConfig withMixtureKs(List<Integer> ks) {
        return new AnalysisConfig(samplesPerCase, sampleSeed, stratify, roughnessK, ks, families, layerWeights, seed, jacobianProbes);
    }

    public AnalysisConfig withSamplesPerCase(int n) {
        return new AnalysisConfig(n, sampleSeed, stratify, roughnessK, mixtureKs, families, layerWeights, seed, jacobianProbes);
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
