package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.LayerSample;
import dev.unetscope.features.Npy;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.features.Standardizer;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.LayerMetrics;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.train.CheckpointRef;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Exports one checkpoint's sampled interior features of one set as NumPy files, so any metric can be
 * checked elsewhere. The sampling defaults to the experiment's recorded analysis settings, so the
 * export reproduces what {@code analyze} measured.
 */
public final class FeaturesService {

    /**
     * @param checkpoint     RUN:STEP or RUN (its last checkpoint)
     * @param set            train, val, test or a query set's name
     * @param out            folder for the .npy files
     * @param samplesPerCase positions per case; null: the recorded analysis setting
     * @param sampleSeed     seed of the positions; null: the recorded analysis setting
     * @param stratify       half the positions in the predicted mask; null: the recorded analysis setting
     * @param layers         taps to write; null: every tap
     * @param raw            write the features as computed, not standardised with the training cases' statistics
     */
    public record Settings(String checkpoint, String set, Path out, Integer samplesPerCase, Long sampleSeed, Boolean stratify,
                           List<String> layers, boolean raw) {}

    public record Result(CheckpointId checkpoint, String set, int positions, List<String> layers, Path out, AnalysisConfig sampling) {}

    public Result run(Experiment exp, Settings s, Progress progress) {
        CheckpointRef ref = CheckpointRef.resolve(exp, s.checkpoint());
        AnalysisConfig recorded = AnalyzeService.recorded(exp);
        AnalysisConfig base = recorded == null ? AnalysisConfig.defaults() : recorded;
        AnalysisConfig cfg = new AnalysisConfig(s.samplesPerCase() == null ? base.samplesPerCase() : s.samplesPerCase(),
                s.sampleSeed() == null ? base.sampleSeed() : s.sampleSeed(), s.stratify() == null ? base.stratify() : s.stratify(),
                base.roughnessK(), base.mixtureKs(), base.families(), base.layerWeights(), base.seed());
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(cfg.sampleSeed(), cfg.samplesPerCase(),
                cfg.stratify() ? ReceptiveFieldSampler.Mode.PREDICTED : ReceptiveFieldSampler.Mode.UNIFORM);
        PreparedSet data = load(exp, s.set());
        AtomicFile.removeLeftovers(s.out(), false); // temporary files of an export that was killed
        try (SegmentationNetwork net = ref.open()) {
            List<String> taps = s.layers() == null ? net.tapNames() : s.layers();
            FeatureSample sample = FeatureExtractor.extract(net, data, sampler, taps);
            FeatureSample train = s.raw() ? null : s.set().equals("train") ? sample
                    : FeatureExtractor.extract(net, ExperimentData.streamSplit(exp, "train"), sampler, taps);
            LayerSample previous = null;
            for (Map.Entry<String, LayerSample> e : sample.layers().entrySet()) {
                LayerSample l = s.raw() ? e.getValue() : Standardizer.fit(train.layer(e.getKey())).apply(e.getValue());
                Npy.writeFloat32(s.out().resolve(e.getKey() + ".npy"), l.data(), l.n(), l.channels());
                if (l.labels() != null) Npy.writeUint8(s.out().resolve("labels_" + e.getKey() + ".npy"), l.labels(), l.n());
                if (previous != null && !s.raw()) {
                    // the groups of this layer's roughness: k-means clusters of the layer before it, as the analysis forms them
                    int[] clusters = LayerMetrics.inputClusters(previous, cfg.roughnessK(), cfg.seed());
                    Npy.writeInt32(s.out().resolve("clusters_" + e.getKey() + ".npy"), clusters, clusters.length, 1);
                }
                previous = l;
            }
            int[] pos = new int[sample.n() * 4];
            for (int i = 0; i < sample.n(); i++) {
                pos[4 * i] = sample.caseOf()[i];
                System.arraycopy(sample.positions(), 3 * i, pos, 4 * i + 1, 3);
            }
            Npy.writeInt32(s.out().resolve("positions.npy"), pos, sample.n(), 4);
            AtomicFile.writeString(s.out().resolve("cases.txt"), String.join("\n", sample.caseIds()) + "\n");
            return new Result(ref.id(), s.set(), sample.n(), List.copyOf(sample.layers().keySet()), s.out(), cfg);
        }
    }

    /** A split or query set, streamed: one case in memory at a time, so memory follows the sample budget, not the cohort. */
    static PreparedSet load(Experiment exp, String set) {
        if (set.equals("train") || set.equals(AnalyzeService.VALIDATION) || set.equals("test")) return ExperimentData.streamSplit(exp, set);
        var q = ExperimentData.queries(exp).get(set);
        if (q == null) {
            throw new BadInputException(exp.root(), "has no set '" + set + "'",
                    "use train, val, test or one of: " + String.join(", ", ExperimentData.queries(exp).keySet()));
        }
        return ExperimentData.query(exp, q, true);
    }
}
