package dev.unetscope.pipeline;

import dev.unetscope.data.LeftRightFlip;
import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.JacobianNorm;
import dev.unetscope.features.LayerSample;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.features.Standardizer;
import dev.unetscope.io.BadInputException;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.AverageThresholdedConfidence;
import dev.unetscope.metrics.Baselines;
import dev.unetscope.metrics.CaseForms;
import dev.unetscope.metrics.Confidence;
import dev.unetscope.metrics.DaviesBouldin;
import dev.unetscope.metrics.EntropyAggregates;
import dev.unetscope.metrics.KnnDistance;
import dev.unetscope.metrics.LayerMetrics;
import dev.unetscope.metrics.Mahalanobis;
import dev.unetscope.metrics.PcaMahalanobis;
import dev.unetscope.metrics.Scores;
import dev.unetscope.model.Divergence;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.train.BatchInference;
import dev.unetscope.train.CheckpointRef;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * The interior-feature metrics and baselines of one checkpoint, computed and returned as records
 * (nothing is written here; {@link ResultsStore} owns the tables). The training cases' features are
 * sampled first, fitting the per-layer standardisation, the confidence mixtures and the bottleneck
 * Gaussian; then each named set is sampled with the same positions rule and scored per layer and
 * per case.
 */
public final class CheckpointAnalysis {
    private final AnalysisConfig cfg;
    private final PhaseTimes phases;

    public CheckpointAnalysis(AnalysisConfig cfg) {
        this(cfg, PhaseTimes.NONE);
    }

    /** As above, summing the wall time of each phase into {@code phases} ({@code bench analyze}). */
    public CheckpointAnalysis(AnalysisConfig cfg, PhaseTimes phases) {
        this.cfg = cfg;
        this.phases = phases;
    }

    /**
     * Thresholded predictions of one run's final checkpoint on each set, and the preprocessing they
     * were made with: a checkpoint agrees only with references prepared as it is (the same grid).
     */
    public record Reference(String objective, int replicate, Preprocessing preprocessing, Map<String, List<BitSet>> bySet) implements java.io.Serializable {}

    /**
     * The references of checkpoint agreement, by run (none with a single run: there is nothing to
     * agree with); {@code setsOf} gives each run's sets and {@code prepOf} its preprocessing.
     */
    public static Map<String, Reference> references(List<CheckpointRef> finals, List<String> setNames,
                                                    Function<CheckpointRef, Function<String, PreparedSet>> setsOf,
                                                    Function<CheckpointRef, Preprocessing> prepOf) {
        Map<String, Reference> out = new LinkedHashMap<>();
        if (finals.size() < 2) return out;
        for (CheckpointRef ref : finals) {
            Map<String, List<BitSet>> bySet = new LinkedHashMap<>();
            Function<String, PreparedSet> sets = setsOf.apply(ref);
            try (SegmentationNetwork net = ref.open()) {
                for (String q : setNames) {
                    List<BitSet> masks = new ArrayList<>();
                    BatchInference.run(net, sets.apply(q), BatchInference.DEFAULT_BATCH, Set.of(), (i, p, t) -> masks.add(Overlap.mask(p)));
                    bySet.put(q, masks);
                }
            }
            out.put(ref.manifest().run(), new Reference(ref.manifest().objective(), ref.manifest().replicate(), prepOf.apply(ref), bySet));
        }
        return out;
    }

    /** All scores of checkpoint {@code ref} on the named sets (ATC's threshold fitted on the validation split when it is one of them). */
    public CheckpointScores analyse(CheckpointRef ref, Preprocessing prep, PreparedSet train, List<String> setNames, Function<String, PreparedSet> sets,
                                    Map<String, Reference> references) {
        return analyse(ref, prep, train, setNames, sets, references, null);
    }

    /**
     * As above; when the validation split is not among the named sets, {@code validation} (may be null)
     * is passed through the network the same way only to fit ATC's threshold ({@code predict}).
     */
    public CheckpointScores analyse(CheckpointRef ref, Preprocessing prep, PreparedSet train, List<String> setNames, Function<String, PreparedSet> sets,
                                    Map<String, Reference> references, PreparedSet validation) {
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(cfg.sampleSeed(), cfg.samplesPerCase(),
                cfg.stratify() ? ReceptiveFieldSampler.Mode.PREDICTED : ReceptiveFieldSampler.Mode.UNIFORM);
        List<SetScores> out = new ArrayList<>();
        try (SegmentationNetwork net = phases.time("open checkpoint", ref::open)) {
            List<String> taps = net.tapNames();
            String diverged = net.divergence();
            if (diverged != null) return diverged(ref, net, setNames, sets, diverged);
            FeatureSample trainSample = phases.time("training-set features (inference with taps, sampling)",
                    () -> FeatureExtractor.extract(net, train, sampler, taps));
            for (LayerSample l : trainSample.layers().values()) {
                if (!Divergence.finite(l.data())) return diverged(ref, net, setNames, sets, Divergence.ofOutputs("features at " + l.name()));
            }
            Map<String, Standardizer> std = new LinkedHashMap<>();
            Map<String, Confidence> conf = new LinkedHashMap<>();
            Distances dist = new Distances();
            for (String l : trainSample.layers().keySet()) {
                std.put(l, phases.time("standardise", () -> Standardizer.fit(trainSample.layer(l))));
                if (l.equals(FeatureExtractor.IMAGE)) continue;
                LayerSample zTrain = phases.time("standardise", () -> std.get(l).apply(trainSample.layer(l)));
                conf.put(l, phases.time("mixture fits", () -> Confidence.fit(zTrain, cfg)));
                phases.run("feature distances fit", () -> dist.fit(l, zTrain, CaseForms.caseStarts(trainSample.caseOf(), train.size()), cfg));
            }
            String bottleneck = taps.contains("bottleneck") ? "bottleneck" : taps.get(taps.size() / 2);
            Mahalanobis maha = phases.time("mahalanobis fit", () -> fitOrNull(std.get(bottleneck).apply(trainSample.layer(bottleneck))));
            // the validation split goes first: the ATC threshold is fitted on it (sampling depends only on the case, so order is free)
            List<String> order = new ArrayList<>(setNames);
            if (order.remove(ResultFiles.VALIDATION)) order.add(0, ResultFiles.VALIDATION);
            Map<String, SetScores> byName = new LinkedHashMap<>();
            Atc atc = new Atc(Double.NaN, "atc_iou: no validation split in this analysis to fit its threshold on");
            if (!order.contains(ResultFiles.VALIDATION) && validation != null) {
                List<float[]> probs = new ArrayList<>();
                phases.run("set features (inference with taps, sampling)",
                        () -> FeatureExtractor.extract(net, validation, sampler, taps, (ci, p) -> probs.add(p))); // the same forward pass as analyze's
                atc = phases.time("ATC threshold", () -> fitAtc(validation, probs));
            }
            for (String q : order) {
                PreparedSet set = phases.time("load and prepare sets", () -> sets.apply(q));
                // each case's baselines taken as the pass yields it; only the validation split's probabilities are kept (ATC's fit)
                boolean isValidation = q.equals(ResultFiles.VALIDATION);
                CaseProbabilities probs = new CaseProbabilities(set, isValidation ? Double.NaN : atc.threshold(), isValidation);
                long t0 = System.nanoTime();
                FeatureSample s = FeatureExtractor.extract(net, set, sampler, taps, probs);
                // the baselines ran inside the pass: each phase gets its own share
                phases.add("set features (inference with taps, sampling)", System.nanoTime() - t0 - probs.nanos());
                phases.add("baselines and entropy aggregates", probs.nanos());
                if (isValidation) {
                    atc = phases.time("ATC threshold", () -> fitAtc(set, probs.probabilities()));
                    probs.estimateAtc(atc.threshold());
                }
                Map<String, LayerSample> z = new LinkedHashMap<>();
                for (String l : s.layers().keySet()) z.put(l, phases.time("standardise", () -> std.get(l).apply(s.layer(l))));
                Map<String, int[]> clusters = new LinkedHashMap<>();
                Map<String, Map<String, Double>> byModel = new LinkedHashMap<>();
                List<LayerScores> layers = layers(z, conf, clusters, byModel);
                Jacobians jac = phases.time("jacobian norm (input gradients)", () -> jacobians(net, set, s, std));
                layers = jac.intoLayers(layers);
                List<CaseScores> cases = cases(net, ref, prep, q, set, s, z, clusters, byModel, probs, conf, maha, bottleneck, references, atc);
                List<LayerScores> beforeDistances = layers;
                List<CaseScores> scored = cases;
                layers = phases.time("feature distances (PCA Mahalanobis, k-NN)", () -> dist.score(z, beforeDistances, CaseForms.caseStarts(s.caseOf(), set.size()), scored));
                cases = jac.intoCases(cases);
                byName.put(q, new SetScores(q, layers, cases));
            }
            for (String q : setNames) out.add(byName.get(q));
        }
        return new CheckpointScores(ref.id(), ref.manifest().objective(), ref.manifest().replicate(), out);
    }

    /**
     * The Jacobian norm ({@link JacobianNorm}) of every tap on one set: per layer over the set's
     * positions, per case the mean over layers of the case's value; NaN with {@code reason} when it is
     * off or the network gives no input gradients.
     */
    record Jacobians(Map<String, Double> byLayer, double[] byCase, String reason) {
        List<LayerScores> intoLayers(List<LayerScores> layers) {
            List<LayerScores> out = new ArrayList<>();
            for (LayerScores l : layers) out.add(l.withJacobian(byLayer.getOrDefault(l.layer(), Double.NaN), reason));
            return out;
        }

        List<CaseScores> intoCases(List<CaseScores> cases) {
            List<CaseScores> out = new ArrayList<>();
            for (int c = 0; c < cases.size(); c++) {
                CaseScores cs = cases.get(c);
                Map<String, Double> v = new LinkedHashMap<>();
                for (var sc : Scores.at(dev.unetscope.metrics.Score.Level.CASE)) {
                    v.put(sc.name(), sc == Scores.JACOBIAN ? (byCase == null ? Double.NaN : byCase[c]) : cs.value(sc.name()));
                }
                String why = reason.isEmpty() ? cs.reason() : cs.reason().isEmpty() ? reason : cs.reason() + "; " + reason;
                out.add(new CaseScores(cs.caseId(), v, why));
            }
            return out;
        }
    }

    private Jacobians jacobians(SegmentationNetwork net, PreparedSet set, FeatureSample s, Map<String, Standardizer> std) {
        int k = cfg.jacobianK();
        if (k == 0) return new Jacobians(Map.of(), null, "jacobian: off (--jacobian-probes 0)");
        Map<String, Double> byLayer = new LinkedHashMap<>();
        double[] byCase = new double[set.size()];
        int[] n = new int[set.size()];
        try {
            Map<String, double[]> scales = new LinkedHashMap<>();
            for (String l : net.tapNames()) scales.put(l, std.get(l).scale());
            for (JacobianNorm.Probes p : JacobianNorm.estimate(net, set, s, scales, k, cfg.seed()).values()) {
                byLayer.put(p.layer(), p.setValue());
                for (int c = 0; c < set.size(); c++) {
                    double v = p.caseValue(c);
                    if (Double.isNaN(v)) continue;
                    byCase[c] += v;
                    n[c]++;
                }
            }
        } catch (UnsupportedOperationException e) {
            return new Jacobians(Map.of(), null, "jacobian: " + e.getMessage());
        }
        for (int c = 0; c < byCase.length; c++) byCase[c] = n[c] == 0 ? Double.NaN : byCase[c] / n[c];
        return new Jacobians(byLayer, byCase, "");
    }

    /** The ATC threshold fitted on the validation split, or NaN with the reason it could not be. */
    record Atc(double threshold, String reason) {}

    /** Fits the ATC threshold so that the mean ATC estimate on the validation cases meets their mean IoU. */
    static Atc fitAtc(PreparedSet val, List<float[]> probs) {
        if (!val.labelled() || val.size() == 0) return new Atc(Double.NaN, "atc_iou: the validation split has no labels to fit its threshold on");
        List<BitSet> masks = new ArrayList<>();
        double iou = 0;
        for (int c = 0; c < val.size(); c++) {
            masks.add(Overlap.mask(probs.get(c)));
            iou += Overlap.iou(probs.get(c), val.masks().get(c)) / val.size();
        }
        return new Atc(AverageThresholdedConfidence.of(probs, masks).fit(iou), "");
    }

    /**
     * A diverged checkpoint's rows: every layer and case of every set, each value NaN with the reason,
     * so the tables say what happened and the run goes on.
     */
    private CheckpointScores diverged(CheckpointRef ref, SegmentationNetwork net, List<String> setNames, Function<String, PreparedSet> sets, String reason) {
        List<String> layers = new ArrayList<>(List.of(FeatureExtractor.IMAGE));
        layers.addAll(net.tapNames());
        List<SetScores> out = new ArrayList<>();
        for (String q : setNames) {
            List<LayerScores> ls = new ArrayList<>();
            for (int i = 1; i < layers.size(); i++) {
                Map<String, Double> cells = new LinkedHashMap<>();
                for (String f : cfg.families()) for (int k : cfg.mixtureKs()) cells.put(AnalysisConfig.column(f, k), Double.NaN);
                ls.add(new LayerScores(layers.get(i), layers.get(i - 1), net.tap(layers.get(i)).channels(), 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                        "", cells, reason));
            }
            List<CaseScores> cs = new ArrayList<>();
            for (String id : sets.apply(q).ids()) {
                Map<String, Double> v = new LinkedHashMap<>();
                for (var sc : Scores.at(dev.unetscope.metrics.Score.Level.CASE)) v.put(sc.name(), Double.NaN);
                cs.add(new CaseScores(id, v, reason));
            }
            out.add(new SetScores(q, ls, cs));
        }
        return new CheckpointScores(ref.id(), ref.manifest().objective(), ref.manifest().replicate(), out);
    }

    /**
     * The feature distances' models of each layer, fitted on the training split's standardised
     * features: {@link PcaMahalanobis} on the positions and on the cases' average-pooled features,
     * {@link KnnDistance}; a layer where one cannot be fitted keeps the reason instead.
     */
    private static final class Distances {
        final Map<String, PcaMahalanobis> pca = new LinkedHashMap<>(), pooled = new LinkedHashMap<>();
        final Map<String, KnnDistance> knn = new LinkedHashMap<>();
        final Map<String, List<String>> failures = new LinkedHashMap<>();

        /** {@code start}: the training cases' row ranges ({@link CaseForms#caseStarts}). */
        void fit(String layer, LayerSample train, int[] start, AnalysisConfig cfg) {
            List<String> why = failures.computeIfAbsent(layer, k -> new ArrayList<>());
            try {
                pca.put(layer, PcaMahalanobis.fit(train, cfg.pcaComponents()));
            } catch (BadInputException | ArithmeticException ex) {
                why.add(Scores.MAHALANOBIS_PCA.name() + ": " + ex.getMessage());
            }
            try {
                knn.put(layer, KnnDistance.fit(train, cfg.knnK(), cfg.knnReference(), cfg.seed()));
            } catch (BadInputException ex) {
                why.add(Scores.KNN_DISTANCE.name() + ": " + ex.getMessage());
            }
            try {
                LayerSample cases = CaseForms.pooled(train, start);
                // at most n - 1 components: n pooled vectors span no more
                pooled.put(layer, PcaMahalanobis.fit(cases, Math.max(1, Math.min(cfg.pcaComponents(), cases.n() - 1))));
            } catch (BadInputException | ArithmeticException ex) {
                why.add(Scores.MAHALANOBIS_POOLED.name() + ": " + ex.getMessage());
            }
        }

        /**
         * One set's feature distances: its layer rows with the distances filled in (and why one is NaN),
         * and each case's values put into its row of {@code cases}: per layer the mean over the case's
         * points (the pooled form: the distance of the case's mean feature), then the mean over layers.
         */
        List<LayerScores> score(Map<String, LayerSample> z, List<LayerScores> layers, int[] start, List<CaseScores> cases) {
            List<LayerScores> out = new ArrayList<>();
            List<double[]> pcaPoints = new ArrayList<>(), knnPoints = new ArrayList<>(), pooledCases = new ArrayList<>();
            for (LayerScores row : layers) {
                String l = row.layer();
                LayerSample x = z.get(l);
                double[] p = pca.containsKey(l) ? pca.get(l).distances(x) : null;
                double[] k = knn.containsKey(l) ? knn.get(l).distances(x) : null;
                double[] c = pooled.containsKey(l) ? pooled.get(l).distances(CaseForms.pooled(x, start)) : null;
                if (p != null) pcaPoints.add(p);
                if (k != null) knnPoints.add(k);
                if (c != null) pooledCases.add(c);
                out.add(row.withDistances(mean(p), mean(k), mean(c), failures.getOrDefault(l, List.of())));
            }
            double[] casePca = CaseForms.meanOverLayers(pcaPoints, start), caseKnn = CaseForms.meanOverLayers(knnPoints, start);
            double[] casePooled = new double[cases.size()];
            for (int c = 0; c < cases.size(); c++) {
                double[] own = new double[pooledCases.size()];
                for (int j = 0; j < own.length; j++) own[j] = pooledCases.get(j)[c];
                casePooled[c] = mean(own);
            }
            for (int c = 0; c < cases.size(); c++) {
                cases.get(c).values().put(Scores.MAHALANOBIS_PCA.name(), casePca[c]);
                cases.get(c).values().put(Scores.KNN_DISTANCE.name(), caseKnn[c]);
                cases.get(c).values().put(Scores.MAHALANOBIS_POOLED.name(), casePooled[c]);
            }
            return out;
        }

        /** Mean of the finite values; NaN without a model or without any. */
        private static double mean(double[] v) {
            if (v == null) return Double.NaN;
            double sum = 0;
            int n = 0;
            for (double a : v) {
                if (Double.isNaN(a)) continue;
                sum += a;
                n++;
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /** Per layer: db_labels, roughness (k-means of the input layer, DB of this one), roughness_reverse, c_l. */
    private List<LayerScores> layers(Map<String, LayerSample> z, Map<String, Confidence> conf, Map<String, int[]> clustersOut,
                                     Map<String, Map<String, Double>> byModelOut) {
        List<String> names = new ArrayList<>(z.keySet());
        List<LayerScores> out = new ArrayList<>();
        for (int i = 1; i < names.size(); i++) {
            String l = names.get(i), in = names.get(i - 1);
            LayerSample x = z.get(l), xin = z.get(in);
            List<String> reasons = new ArrayList<>();
            double dbl = attempt(() -> phases.time("Davies-Bouldin", () -> LayerMetrics.dbLabels(x)), "db_labels", reasons);
            double r = attempt(() -> {
                int[] labels = phases.time("roughness k-means", () -> LayerMetrics.inputClusters(xin, cfg.roughnessK(), cfg.seed()));
                clustersOut.put(l, labels); // reused for the per-case roughness
                return phases.time("Davies-Bouldin", () -> DaviesBouldin.score(LayerMetrics.matrix(x), labels));
            }, "roughness", reasons);
            // LayerMetrics.roughness(x, xin, ...) in two timed halves: cluster the output x, score the input by them
            double rr = attempt(() -> {
                int[] labels = phases.time("roughness k-means", () -> LayerMetrics.inputClusters(x, cfg.roughnessK(), cfg.seed()));
                return phases.time("Davies-Bouldin", () -> DaviesBouldin.score(LayerMetrics.matrix(xin), labels));
            }, "roughness_reverse", reasons);
            Map<String, Double> byModel;
            try {
                byModel = phases.time("mixture scoring", () -> conf.get(l).score(x));
            } catch (BadInputException ex) {
                byModel = new LinkedHashMap<>();
                reasons.add("confidence: " + ex.getMessage());
            }
            for (Map.Entry<String, String> f : conf.get(l).failures().entrySet()) reasons.add(f.getKey() + ": " + f.getValue());
            byModelOut.put(l, byModel);
            Map<String, Double> cells = new LinkedHashMap<>();
            for (String f : cfg.families()) for (int k : cfg.mixtureKs()) cells.put(AnalysisConfig.column(f, k), byModel.getOrDefault(AnalysisConfig.column(f, k), Double.NaN));
            out.add(new LayerScores(l, in, x.channels(), x.n(), dbl, r, rr, Confidence.best(byModel), Confidence.argBest(byModel), cells,
                    String.join("; ", reasons)));
        }
        return out;
    }

    /**
     * Per case: the probability baselines, the entropy aggregates ({@link EntropyAggregates}),
     * test-time-augmentation agreement, agreement with the other runs' final checkpoints and, apart,
     * with the other replicates of the same objective (NaN with the row's reason when there is none),
     * the ATC estimate of IoU at the threshold fitted on the validation split, Mahalanobis distance of
     * the bottleneck, and the per-case forms of confidence and roughness
     * ({@link CaseForms}).
     */
    private List<CaseScores> cases(SegmentationNetwork net, CheckpointRef ref, Preprocessing prep, String q, PreparedSet set, FeatureSample s,
                                   Map<String, LayerSample> z, Map<String, int[]> clusters, Map<String, Map<String, Double>> byModel, CaseProbabilities probs,
                                   Map<String, Confidence> conf, Mahalanobis maha, String bottleneck, Map<String, Reference> refs, Atc atc) {
        int nCases = set.size();
        double[] tta = phases.time("TTA pass (inference)", () -> testTimeAgreement(net, set, probs));
        int[] start = CaseForms.caseStarts(s.caseOf(), nCases);
        List<double[]> confPoints = new ArrayList<>();
        List<int[]> roughLabels = new ArrayList<>();
        List<LayerSample> roughLayers = new ArrayList<>();
        List<String> names = new ArrayList<>(s.layers().keySet());
        for (int li = 1; li < names.size(); li++) {
            String l = names.get(li);
            String best = Confidence.argBest(byModel.get(l));
            if (best != null) confPoints.add(phases.time("mixture scoring", () -> conf.get(l).scorePoints(z.get(l), best)));
            if (clusters.get(l) != null) {
                roughLabels.add(clusters.get(l));
                roughLayers.add(z.get(l));
            }
        }
        double[] caseConfidence = CaseForms.confidence(confPoints, start);
        double[] caseRoughness = phases.time("Davies-Bouldin", () -> CaseForms.roughness(roughLayers, roughLabels, start));
        double[] mahaPts = null;
        if (maha != null) {
            try {
                mahaPts = phases.time("mahalanobis distances", () -> maha.distances(z.get(bottleneck)));
            } catch (RuntimeException ex) {
                mahaPts = null;
            }
        }
        double[] caseMaha = mahaPts == null ? null : CaseForms.means(mahaPts, start);
        List<CaseScores> out = new ArrayList<>();
        for (int c = 0; c < nCases; c++) {
            BitSet own = probs.mask(c);
            Baselines.CaseScores b = probs.baselines(c);
            EntropyAggregates.CaseScores e = probs.entropy(c);
            long t1 = System.nanoTime();
            double agreeSum = 0, replicateSum = 0;
            int nRef = 0, nReplicates = 0;
            for (Map.Entry<String, Reference> r : refs.entrySet()) {
                // runs prepared otherwise predict on another grid: no voxel-wise agreement with them
                if (r.getKey().equals(ref.manifest().run()) || !r.getValue().preprocessing().equals(prep)) continue;
                double a = Overlap.agreement(own, r.getValue().bySet().get(q).get(c), Baselines.BOTH_EMPTY_AGREEMENT);
                agreeSum += a;
                nRef++;
                if (r.getValue().objective().equals(ref.manifest().objective())) {
                    replicateSum += a;
                    nReplicates++;
                }
            }
            phases.add("checkpoint agreement", System.nanoTime() - t1);
            double agree = nRef > 0 ? agreeSum / nRef : Double.NaN;
            double replicateAgree = nReplicates > 0 ? replicateSum / nReplicates : Double.NaN;
            Map<String, Double> v = new LinkedHashMap<>();
            v.put(Scores.CONFIDENCE.name(), caseConfidence[c]);
            v.put(Scores.ROUGHNESS.name(), caseRoughness[c]);
            v.put(Scores.SOFTMAX_CONFIDENCE.name(), b.softmaxConfidence());
            v.put(Scores.GLAND_CONFIDENCE.name(), b.glandConfidence());
            v.put(Scores.ENTROPY.name(), b.entropy());
            v.put(Scores.ENTROPY_FOREGROUND.name(), e.foreground());
            v.put(Scores.ENTROPY_BOUNDARY.name(), e.boundary());
            v.put(Scores.ENTROPY_PATCH_MAX.name(), e.patchMax());
            v.put(Scores.SOFT_IOU.name(), b.softIoU());
            v.put(Scores.ATC_IOU.name(), Double.isNaN(atc.threshold()) ? Double.NaN : probs.atc(c));
            v.put(Scores.TTA_AGREEMENT.name(), tta[c]);
            v.put(Scores.CHECKPOINT_AGREEMENT.name(), agree);
            v.put(Scores.REPLICATE_AGREEMENT.name(), replicateAgree);
            v.put(Scores.MAHALANOBIS.name(), caseMaha == null ? Double.NaN : caseMaha[c]);
            List<String> why = new ArrayList<>();
            if (nReplicates == 0) why.add("replicate_agreement: no other replicate of " + ref.manifest().objective() + " prepared the same way");
            if (!atc.reason().isEmpty()) why.add(atc.reason());
            out.add(new CaseScores(set.ids().get(c), v, String.join("; ", why)));
        }
        return out;
    }

    /**
     * IoU of each case's prediction with the prediction of one augmented copy: flipped left-right and
     * intensity-jittered x(1 + 0.1 g1) + 0.1 g2 (g seeded by case id), flipped back.
     */
    private double[] testTimeAgreement(SegmentationNetwork net, PreparedSet set, CaseProbabilities probs) {
        double[] tta = new double[set.size()];
        PreparedSet augmented = transformed(set, (i, img) -> {
            Random r = new Random(cfg.seed() * 31 + set.ids().get(i).hashCode());
            float a = (float) (1 + 0.1 * r.nextGaussian()), b = (float) (0.1 * r.nextGaussian());
            float[] f = LeftRightFlip.apply(img, set.dims(i)[2]);
            for (int k = 0; k < f.length; k++) f[k] = f[k] * a + b;
            return f;
        });
        BatchInference.run(net, augmented, BatchInference.DEFAULT_BATCH, Set.of(), (i, p, t) ->
                tta[i] = Overlap.agreement(probs.mask(i), Overlap.mask(LeftRightFlip.apply(p, set.dims(i)[2])), Baselines.BOTH_EMPTY_AGREEMENT));
        return tta;
    }

    private static Mahalanobis fitOrNull(LayerSample train) {
        try {
            return Mahalanobis.fit(train);
        } catch (ArithmeticException | BadInputException e) {
            return null;
        }
    }

    interface ImageTransform {
        float[] apply(int caseIndex, float[] image);
    }

    /** The set with each image transformed on access (masks unchanged). */
    static PreparedSet transformed(PreparedSet set, ImageTransform t) {
        List<float[]> images = new AbstractList<>() {
            public float[] get(int i) { return t.apply(i, set.images().get(i)); }
            public int size() { return set.size(); }
        };
        return set.withImages(images);
    }

    interface Metric {
        double compute();
    }

    /** Runs a metric; an undefined value becomes NaN with its reason, never a crash halfway through a run. */
    private static double attempt(Metric m, String name, List<String> reasons) {
        try {
            double v = m.compute();
            if (Double.isNaN(v)) reasons.add(name + ": NaN");
            return v;
        } catch (BadInputException ex) {
            reasons.add(name + ": " + ex.getMessage());
            return Double.NaN;
        }
    }
}
