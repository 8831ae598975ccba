package dev.unetscope.pipeline;

import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.metrics.AverageThresholdedConfidence;
import dev.unetscope.metrics.Baselines;
import dev.unetscope.metrics.EntropyAggregates;

import java.util.AbstractList;
import java.util.BitSet;
import java.util.List;

/**
 * What the analysis keeps of one set's probabilities, taken from each case as the forward pass yields
 * it: the predicted mask (one bit a voxel, for test-time augmentation and checkpoint agreement), the
 * probability baselines, the entropy aggregates and, at a threshold already fitted, the ATC estimate.
 * The probabilities themselves are dropped, so memory does not grow with the set's cases by 4 bytes a
 * voxel; only the validation split's are kept ({@code keep}), which ATC's threshold is fitted on.
 */
final class CaseProbabilities implements FeatureExtractor.ProbabilityListener {
    private final PreparedSet set;
    private final double atcThreshold;
    private long nanos;
    private final BitSet[] masks;
    private final Baselines.CaseScores[] baselines;
    private final EntropyAggregates.CaseScores[] entropy;
    private final double[] atc;
    private final float[][] kept;

    /**
     * @param atcThreshold ATC's fitted threshold (NaN: none yet; {@link #estimateAtc} sets the estimates later)
     * @param keep         keep every case's probabilities ({@link #probabilities})
     */
    CaseProbabilities(PreparedSet set, double atcThreshold, boolean keep) {
        this.set = set;
        this.atcThreshold = atcThreshold;
        int n = set.size();
        masks = new BitSet[n];
        baselines = new Baselines.CaseScores[n];
        entropy = new EntropyAggregates.CaseScores[n];
        atc = new double[n];
        java.util.Arrays.fill(atc, Double.NaN);
        kept = keep ? new float[n][] : null;
    }

    @Override
    public void accept(int c, float[] p) {
        long t0 = System.nanoTime();
        BitSet own = Overlap.mask(p);
        masks[c] = own;
        baselines[c] = Baselines.of(p, own);
        entropy[c] = EntropyAggregates.of(p, own, set.dims(c));
        if (!Double.isNaN(atcThreshold)) atc[c] = AverageThresholdedConfidence.estimate(p, own, atcThreshold);
        if (kept != null) kept[c] = p;
        nanos += System.nanoTime() - t0;
    }

    /** Wall time spent on the cases' baselines so far (inside the forward pass's loop). */
    long nanos() {
        return nanos;
    }

    /** The kept probabilities, by case (only with {@code keep}). */
    List<float[]> probabilities() {
        if (kept == null) throw new IllegalStateException("the probabilities of " + set.name() + " were not kept");
        return new AbstractList<>() {
            public float[] get(int i) { return kept[i]; }
            public int size() { return kept.length; }
        };
    }

    /** The ATC estimate of every case at {@code threshold}, from the kept probabilities (NaN: none). */
    void estimateAtc(double threshold) {
        if (Double.isNaN(threshold)) return;
        for (int c = 0; c < kept.length; c++) atc[c] = AverageThresholdedConfidence.estimate(kept[c], masks[c], threshold);
    }

    BitSet mask(int c) {
        return masks[c];
    }

    Baselines.CaseScores baselines(int c) {
        return baselines[c];
    }

    EntropyAggregates.CaseScores entropy(int c) {
        return entropy[c];
    }

    double atc(int c) {
        return atc[c];
    }
}
