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

import dev.unetscope.experiment.SettingsHash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports one checkpoint's sampled interior features of one set as NumPy files, so any metric can be
 * checked elsewhere. The sampling defaults to the experiment's recorded analysis settings, so the
 * export reproduces what {@code analyze} measured. Without a checkpoint it exports every checkpoint
 * (or one shard's: {@link Shard}) into {@code OUT/RUN/step-NNNNNN/}, each folder written whole (a
 * hidden folder renamed into place) with a {@code features.json} of its settings; a folder already
 * there with the same settings is kept (resume), one with other settings is refused. The shards'
 * folders are disjoint, so there is nothing to merge.
 */
public final class FeaturesService {

    /**
     * @param checkpoint     RUN:STEP or RUN (its last checkpoint); null: every checkpoint of {@code shard}, one folder each
     * @param set            train, val, test or a query set's name
     * @param out            folder for the .npy files
     * @param samplesPerCase positions per case; null: the recorded analysis setting
     * @param sampleSeed     seed of the positions; null: the recorded analysis setting
     * @param stratify       half the positions in the predicted mask; null: the recorded analysis setting
     * @param layers         taps to write; null: every tap
     * @param raw            write the features as computed, not standardised with the training cases' statistics
     * @param shard          with no checkpoint: the shard whose checkpoints to export (null: all)
     */
    public record Settings(String checkpoint, String set, Path out, Integer samplesPerCase, Long sampleSeed, Boolean stratify,
                           List<String> layers, boolean raw, Shard shard) {
        public Settings(String checkpoint, String set, Path out, Integer samplesPerCase, Long sampleSeed, Boolean stratify, List<String> layers, boolean raw) {
            this(checkpoint, set, out, samplesPerCase, sampleSeed, stratify, layers, raw, null);
        }
    }

    /**
     * @param checkpoint the checkpoint exported (the last one when there were several)
     * @param exported   checkpoints written by this run
     * @param kept       checkpoints whose folder was already there with the same settings
     */
    public record Result(CheckpointId checkpoint, String set, int positions, List<String> layers, Path out, AnalysisConfig sampling,
                         List<CheckpointId> exported, List<CheckpointId> kept) {}

    /** The file each checkpoint folder of a many-checkpoint export carries: what made it. */
    public static final String SETTINGS_FILE = "features.json";

    public Result run(Experiment exp, Settings s, Progress progress) {
        AnalysisConfig recorded = AnalyzeService.recorded(exp);
        AnalysisConfig base = recorded == null ? AnalysisConfig.defaults() : recorded;
        AnalysisConfig cfg = new AnalysisConfig(s.samplesPerCase() == null ? base.samplesPerCase() : s.samplesPerCase(),
                s.sampleSeed() == null ? base.sampleSeed() : s.sampleSeed(), s.stratify() == null ? base.stratify() : s.stratify(),
                base.roughnessK(), base.mixtureKs(), base.families(), base.layerWeights(), base.seed(), base.jacobianProbes());
        if (s.checkpoint() != null) {
            CheckpointRef ref = CheckpointRef.resolve(exp, s.checkpoint());
            Written w = export(exp, ref, s, cfg, s.out());
            return new Result(ref.id(), s.set(), w.positions(), w.layers(), s.out(), cfg, List.of(ref.id()), List.of());
        }
        List<CheckpointRef> all = CheckpointRef.all(exp);
        if (all.isEmpty()) throw new BadInputException(exp.checkpointsDir(), "has no trained checkpoints", "run 'unetscope train' first");
        List<CheckpointRef> mine = s.shard() == null ? all : s.shard().select(all);
        Map<String, Object> made = new LinkedHashMap<>();
        made.put("set", s.set());
        made.put("sampling", cfg);
        made.put("layers", s.layers());
        made.put("raw", s.raw());
        String madeHash = SettingsHash.of(made);
        load(exp, s.set(), ExperimentData.preprocessing(exp)); // an unknown set is refused before anything is written
        List<CheckpointId> exported = new ArrayList<>(), kept = new ArrayList<>();
        Written last = new Written(0, List.of());
        for (CheckpointRef ref : mine) {
            Path dir = s.out().resolve(ref.id().run()).resolve(String.format("step-%06d", ref.id().step()));
            // a run with its own preprocessing or patch adds them, so a changed run preparation is noticed
            Map<String, Object> own = ref.ownSettings(exp);
            Map<String, Object> madeHere = new LinkedHashMap<>(made);
            madeHere.putAll(own);
            String hash = own.isEmpty() ? madeHash : SettingsHash.of(madeHere);
            if (Files.isDirectory(dir)) {
                String before = readHash(dir);
                if (!hash.equals(before)) {
                    throw new BadInputException(dir, "was exported with other settings (" + before + ", now " + hash + ")",
                            "remove it or choose another --out");
                }
                kept.add(ref.id());
                continue;
            }
            Path tmp = dir.resolveSibling("." + dir.getFileName() + ".tmp");
            try {
                deleteTree(tmp);
                Files.createDirectories(tmp);
                last = export(exp, ref, s, cfg, tmp);
                Map<String, Object> info = new LinkedHashMap<>(madeHere);
                info.put("checkpoint", ref.id().toString());
                info.put("settingsHash", hash);
                AtomicFile.writeBytes(tmp.resolve(SETTINGS_FILE), JSON.writeValueAsBytes(info));
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
            }
            exported.add(ref.id());
            progress.info("exported " + ref.id() + " on '" + s.set() + "' to " + dir);
        }
        CheckpointId lastId = mine.isEmpty() ? null : mine.get(mine.size() - 1).id();
        return new Result(lastId, s.set(), last.positions(), last.layers(), s.out(), cfg, exported, kept);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private static String readHash(Path dir) {
        try {
            return JSON.readTree(dir.resolve(SETTINGS_FILE).toFile()).path("settingsHash").asText("none");
        } catch (IOException e) {
            return "unreadable " + SETTINGS_FILE;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var w = Files.walk(p)) {
            for (Path q : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    private record Written(int positions, List<String> layers) {}

    /** Writes one checkpoint's export into {@code out}. */
    private static Written export(Experiment exp, CheckpointRef ref, Settings s, AnalysisConfig cfg, Path out) {
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(cfg.sampleSeed(), cfg.samplesPerCase(),
                cfg.stratify() ? ReceptiveFieldSampler.Mode.PREDICTED : ReceptiveFieldSampler.Mode.UNIFORM);
        // the checkpoint's own preprocessing (an imported run's spacing and normalisation), as the analysis prepared its sets
        var prep = ref.preprocessing(exp);
        PreparedSet data = load(exp, s.set(), prep);
        AtomicFile.removeLeftovers(s.out(), false); // temporary files of an export that was killed
        try (SegmentationNetwork net = ref.open()) {
            List<String> taps = s.layers() == null ? net.tapNames() : s.layers();
            FeatureSample sample = FeatureExtractor.extract(net, data, sampler, taps);
            FeatureSample train = s.raw() ? null : s.set().equals("train") ? sample
                    : FeatureExtractor.extract(net, ExperimentData.streamSplit(exp, "train", prep), sampler, taps);
            LayerSample previous = null;
            for (Map.Entry<String, LayerSample> e : sample.layers().entrySet()) {
                LayerSample l = s.raw() ? e.getValue() : Standardizer.fit(train.layer(e.getKey())).apply(e.getValue());
                Npy.writeFloat32(out.resolve(e.getKey() + ".npy"), l.data(), l.n(), l.channels());
                if (l.labels() != null) Npy.writeUint8(out.resolve("labels_" + e.getKey() + ".npy"), l.labels(), l.n());
                if (previous != null && !s.raw()) {
                    // the groups of this layer's roughness: k-means clusters of the layer before it, as the analysis forms them
                    int[] clusters = LayerMetrics.inputClusters(previous, cfg.roughnessK(), cfg.seed());
                    Npy.writeInt32(out.resolve("clusters_" + e.getKey() + ".npy"), clusters, clusters.length, 1);
                }
                previous = l;
            }
            int[] pos = new int[sample.n() * 4];
            for (int i = 0; i < sample.n(); i++) {
                pos[4 * i] = sample.caseOf()[i];
                System.arraycopy(sample.positions(), 3 * i, pos, 4 * i + 1, 3);
            }
            Npy.writeInt32(out.resolve("positions.npy"), pos, sample.n(), 4);
            AtomicFile.writeString(out.resolve("cases.txt"), String.join("\n", sample.caseIds()) + "\n");
            return new Written(sample.n(), List.copyOf(sample.layers().keySet()));
        }
    }

    /** A split or query set, streamed: one case in memory at a time, so memory follows the sample budget, not the cohort. */
    static PreparedSet load(Experiment exp, String set, dev.unetscope.data.Preprocessing prep) {
        if (set.equals("train") || set.equals(AnalyzeService.VALIDATION) || set.equals("test")) return ExperimentData.streamSplit(exp, set, prep);
        var q = ExperimentData.queries(exp).get(set);
        if (q == null) {
            throw new BadInputException(exp.root(), "has no set '" + set + "'",
                    "use train, val, test or one of: " + String.join(", ", ExperimentData.queries(exp).keySet()));
        }
        return ExperimentData.query(exp, q, true, prep);
    }
}
