package dev.unetscope.metrics;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.QueryCache;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.LayerSample;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.features.Standardizer;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.UNet;
import dev.unetscope.train.CheckpointStore;
import dev.unetscope.train.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The interior-feature metrics of every checkpoint on every query set: for each checkpoint the
 * training cases' features are sampled (fitting the per-layer standardisation and the confidence
 * mixtures), then each query set's; per layer db_labels, roughness, roughness_reverse and c_l go to
 * {@code results/layers.csv}, and their combination over layers to the checkpoint's rows of
 * {@code results/checkpoints.csv}. A checkpoint already in layers.csv for every query set is skipped.
 */
public final class InteriorAnalysis {
    private static final Logger LOG = LoggerFactory.getLogger(InteriorAnalysis.class);
    public static final String LAYERS_CSV = "layers.csv";
    public static final String CASE_SCORES_CSV = "case_scores.csv";
    public static final List<String> COMBINED = List.of("confidence", "roughness", "roughness_reverse", "db_labels", "softmax_confidence",
            "gland_confidence", "entropy", "soft_iou", "tta_agreement", "checkpoint_agreement", "mahalanobis");
    /** Per-case scores: the per-case forms of confidence and roughness, and the baselines. */
    public static final List<String> CASE_COLUMNS = List.of("run", "objective", "replicate", "step", "query", "case", "confidence", "roughness",
            "softmax_confidence", "gland_confidence", "entropy", "soft_iou", "tta_agreement", "checkpoint_agreement", "mahalanobis");

    private final Experiment exp;
    private final AnalysisConfig cfg;
    private final Map<String, ExperimentData.Query> queries;

    public InteriorAnalysis(Experiment exp, AnalysisConfig cfg, Map<String, ExperimentData.Query> queries) {
        this.exp = exp;
        this.cfg = cfg;
        this.queries = queries;
    }

    public List<String> layerColumns() {
        List<String> c = new ArrayList<>(List.of("run", "objective", "replicate", "step", "query", "layer", "input_layer", "channels", "points",
                "db_labels", "roughness", "roughness_reverse", "confidence", "best_model"));
        for (String f : cfg.families()) for (int k : cfg.mixtureKs()) c.add(AnalysisConfig.column(f, k));
        c.add("reason");
        return c;
    }

    public record Summary(int analysed, int skipped) {}

    public Summary run() {
        return run(1);
    }

    /** Analyses the checkpoints not yet in layers.csv, {@code jobs} at a time (capped by the heap). */
    public Summary run(int jobs) {
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        if (runs.isEmpty()) throw new BadInputException(exp.checkpointsDir(), "has no trained checkpoints", "run 'unetscope train' first");
        for (ExperimentData.Query q : queries.values()) {
            // an empty or missing query set is refused before any work, not halfway through
            if (q.split() == null) dev.unetscope.data.Dataset.open(q.path());
        }
        Path layersFile = exp.resultsDir().resolve(LAYERS_CSV);
        CsvTable layers = CsvTable.readOrEmpty(layersFile, layerColumns());
        Set<String> done = new HashSet<>();
        for (Map<String, String> r : layers.records()) done.add(r.get("run") + "/" + r.get("step") + "/" + r.get("query"));
        PreparedSet train = ExperimentData.split(exp, "train");
        QueryCache cache = new QueryCache(exp, queries);
        Path caseFile = exp.resultsDir().resolve(CASE_SCORES_CSV);
        CsvTable caseScores = CsvTable.readOrEmpty(caseFile, CASE_COLUMNS);
        Map<String, Map<String, List<java.util.BitSet>>> references = references(runs, new ArrayList<>(queries.keySet()), cache::get);
        int[] counts = new int[2]; // analysed, skipped
        List<String> names = new ArrayList<>(queries.keySet());
        Object lock = new Object();
        List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
        for (CheckpointStore.Manifest m : runs) {
            for (CheckpointStore.Entry e : m.checkpoints()) {
                boolean all = queries.keySet().stream().allMatch(q -> done.contains(m.run() + "/" + e.step() + "/" + q));
                if (all) {
                    counts[1]++;
                    continue;
                }
                tasks.add(() -> {
                    // each checkpoint fills its own tables; they join the files under the lock, in a fixed order
                    CsvTable l = new CsvTable(layerColumns()), c = new CsvTable(CASE_COLUMNS);
                    Map<String, Map<String, Double>> combined = analyseCheckpoint(m, e, train, names, cache::get, references, l, c);
                    String run = m.run(), step = Integer.toString(e.step());
                    synchronized (lock) {
                        layers.removeIf(r -> r.get("run").equals(run) && r.get("step").equals(step));
                        caseScores.removeIf(r -> r.get("run").equals(run) && r.get("step").equals(step));
                        layers.rows().addAll(l.rows());
                        caseScores.rows().addAll(c.rows());
                        sortByCheckpoint(layers);
                        sortByCheckpoint(caseScores);
                        layers.write(layersFile);
                        caseScores.write(caseFile);
                        writeCombined(m.run(), e.step(), combined);
                        counts[0]++;
                    }
                    LOG.info("analysed {} step {} on {} query sets", m.run(), e.step(), queries.size());
                    return null;
                });
            }
        }
        runAll(tasks, jobs);
        refreshCombined(layers, caseScores);
        return new Summary(counts[0], counts[1]);
    }

    /**
     * Fills the combined columns of every row of checkpoints.csv from layers.csv and case_scores.csv,
     * so an evaluation run after the analysis still gets them (the same aggregation as
     * {@link #analyseSet}: weighted mean of c_l, means over layers and over cases, NaN ignored).
     */
    private void refreshCombined(CsvTable layers, CsvTable caseScores) {
        Path f = exp.resultsDir().resolve(Evaluation.CHECKPOINTS_CSV);
        CsvTable t = CsvTable.readWithColumns(f, Evaluation.CHECKPOINT_COLUMNS, COMBINED);
        if (t == null) return;
        Map<String, double[]> acc = new LinkedHashMap<>(); // key/column -> {sum, weight}
        for (Map<String, String> r : layers.records()) {
            String key = r.get("run") + "/" + r.get("step") + "/" + r.get("query");
            double w = cfg.layerWeights().getOrDefault(r.get("layer"), 1.0);
            add(acc, key + "/confidence", r.get("confidence"), w);
            for (String c : List.of("roughness", "roughness_reverse", "db_labels")) add(acc, key + "/" + c, r.get(c), 1.0);
        }
        for (Map<String, String> r : caseScores.records()) {
            String key = r.get("run") + "/" + r.get("step") + "/" + r.get("query");
            for (String c : COMBINED.subList(4, COMBINED.size())) add(acc, key + "/" + c, r.get(c), 1.0);
        }
        int cr = t.column("run"), cs = t.column("step"), cq = t.column("query");
        boolean changed = false;
        for (List<String> row : t.rows()) {
            String key = row.get(cr) + "/" + row.get(cs) + "/" + row.get(cq);
            if (!acc.containsKey(key + "/confidence")) continue;
            for (String c : COMBINED) {
                double[] a = acc.get(key + "/" + c);
                String v = CsvTable.num(a == null || a[1] == 0 ? Double.NaN : a[0] / a[1]);
                if (!v.equals(row.get(t.column(c)))) {
                    row.set(t.column(c), v);
                    changed = true;
                }
            }
        }
        if (changed) t.write(f);
    }

    private static void add(Map<String, double[]> acc, String key, String value, double w) {
        double[] a = acc.computeIfAbsent(key, k -> new double[2]);
        if (value == null || value.isEmpty()) return;
        double v = Double.parseDouble(value);
        if (Double.isNaN(v)) return;
        a[0] += w * v;
        a[1] += w;
    }

    /** Peak memory one checkpoint's analysis needs here, used to cap {@code --jobs} by the heap. */
    static final long BYTES_PER_JOB = 768L << 20;

    private static void runAll(List<java.util.concurrent.Callable<Void>> tasks, int jobs) {
        int cap = (int) Math.max(1, Runtime.getRuntime().maxMemory() / BYTES_PER_JOB);
        int n = Math.max(1, Math.min(jobs, cap));
        if (n < jobs) LOG.info("--jobs {} capped at {} by the memory budget ({} MiB heap)", jobs, n, Runtime.getRuntime().maxMemory() >> 20);
        if (n == 1) {
            for (var t : tasks) {
                try {
                    t.call();
                } catch (RuntimeException ex) {
                    throw ex;
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            for (var f : pool.invokeAll(tasks)) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException ex) {
                    if (ex.getCause() instanceof RuntimeException re) throw re;
                    throw new IllegalStateException(ex.getCause());
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stable sort of rows by run, then step as a number, so the file does not depend on which job finished first. */
    static void sortByCheckpoint(CsvTable t) {
        int r = t.column("run"), s = t.column("step");
        t.rows().sort(java.util.Comparator.<List<String>, String>comparing(row -> row.get(r)).thenComparingInt(row -> Integer.parseInt(row.get(s))));
    }


    /**
     * All metrics of one checkpoint on the named sets (rows added to {@code layers} and
     * {@code caseScores}); returns per set the combined scores and, under {@code c_LAYER} and
     * {@code roughness_LAYER}, the per-layer values.
     */
    public Map<String, Map<String, Double>> analyseCheckpoint(CheckpointStore.Manifest m, CheckpointStore.Entry e, PreparedSet train,
                                                              List<String> setNames, java.util.function.Function<String, PreparedSet> sets,
                                                              Map<String, Map<String, List<java.util.BitSet>>> references, CsvTable layers,
                                                              CsvTable caseScores) {
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(cfg.sampleSeed(), cfg.samplesPerCase(),
                cfg.stratify() ? ReceptiveFieldSampler.Mode.PREDICTED : ReceptiveFieldSampler.Mode.UNIFORM);
        CheckpointStore store = new CheckpointStore(exp, m.run());
        Map<String, Map<String, Double>> combined = new LinkedHashMap<>();
        try (UNet net = UNet.load(store.dir().resolve(e.params()), m.train().net())) {
            List<String> taps = net.tapNames();
            FeatureSample trainSample = FeatureExtractor.extract(net, train, sampler, taps);
            Map<String, Standardizer> std = new LinkedHashMap<>();
            Map<String, Confidence> conf = new LinkedHashMap<>();
            for (String l : trainSample.layers().keySet()) {
                std.put(l, Standardizer.fit(trainSample.layer(l)));
                if (!l.equals(FeatureExtractor.IMAGE)) conf.put(l, Confidence.fit(std.get(l).apply(trainSample.layer(l)), cfg));
            }
            String bottleneck = taps.contains("bottleneck") ? "bottleneck" : taps.get(taps.size() / 2);
            Mahalanobis maha = fitOrNull(std.get(bottleneck).apply(trainSample.layer(bottleneck)));
            for (String q : setNames) {
                PreparedSet set = sets.apply(q);
                List<float[]> probs = new ArrayList<>();
                FeatureSample s = FeatureExtractor.extract(net, set, sampler, taps, (ci, p) -> probs.add(p));
                Map<String, LayerSample> z = new LinkedHashMap<>();
                for (String l : s.layers().keySet()) z.put(l, std.get(l).apply(s.layer(l)));
                Map<String, int[]> clusters = new LinkedHashMap<>();
                Map<String, Double> c = analyseSet(m, e, q, z, conf, layers, clusters);
                c.putAll(caseLevel(net, m, e, q, set, s, z, clusters, probs, conf, maha, bottleneck, references, caseScores));
                combined.put(q, c);
            }
        }
        for (Map.Entry<String, Map<String, Double>> c : combined.entrySet()) {
            for (Map<String, String> r : layers.records()) {
                if (r.get("run").equals(m.run()) && r.get("step").equals(Integer.toString(e.step())) && r.get("query").equals(c.getKey())) {
                    c.getValue().put("c_" + r.get("layer"), Double.parseDouble(r.get("confidence")));
                    c.getValue().put("roughness_" + r.get("layer"), Double.parseDouble(r.get("roughness")));
                }
            }
        }
        return combined;
    }

    private Map<String, Double> analyseSet(CheckpointStore.Manifest m, CheckpointStore.Entry e, String q, Map<String, LayerSample> z,
                                           Map<String, Confidence> conf, CsvTable out, Map<String, int[]> clustersOut) {
        List<String> names = new ArrayList<>(z.keySet());
        double wSum = 0, cSum = 0;
        List<Double> rough = new ArrayList<>(), rev = new ArrayList<>(), db = new ArrayList<>();
        for (int i = 1; i < names.size(); i++) {
            String l = names.get(i), in = names.get(i - 1);
            LayerSample x = z.get(l), xin = z.get(in);
            List<String> reasons = new ArrayList<>();
            double dbl = attempt(() -> LayerMetrics.dbLabels(x), "db_labels", reasons);
            double r = attempt(() -> {
                int[] labels = LayerMetrics.inputClusters(xin, cfg.roughnessK(), cfg.seed());
                clustersOut.put(l, labels); // reused for the per-case roughness
                return DaviesBouldin.score(LayerMetrics.matrix(x), labels);
            }, "roughness", reasons);
            double rr = attempt(() -> LayerMetrics.roughness(x, xin, cfg.roughnessK(), cfg.seed()), "roughness_reverse", reasons);
            Map<String, Double> byModel;
            try {
                byModel = conf.get(l).score(x);
            } catch (BadInputException ex) {
                byModel = new LinkedHashMap<>();
                reasons.add("confidence: " + ex.getMessage());
            }
            for (Map.Entry<String, String> f : conf.get(l).failures().entrySet()) reasons.add(f.getKey() + ": " + f.getValue());
            double cl = Confidence.best(byModel);
            List<Object> row = new ArrayList<>(List.of(m.run(), m.objective(), m.replicate(), e.step(), q, l, in, x.channels(), x.n(),
                    dbl, r, rr, cl, String.valueOf(Confidence.argBest(byModel))));
            for (String f : cfg.families()) for (int k : cfg.mixtureKs()) row.add(byModel.getOrDefault(AnalysisConfig.column(f, k), Double.NaN));
            row.add(String.join("; ", reasons));
            out.add(row);
            double w = cfg.layerWeights().getOrDefault(l, 1.0);
            if (!Double.isNaN(cl)) {
                cSum += w * cl;
                wSum += w;
            }
            if (!Double.isNaN(r)) rough.add(r);
            if (!Double.isNaN(rr)) rev.add(rr);
            if (!Double.isNaN(dbl)) db.add(dbl);
        }
        Map<String, Double> c = new LinkedHashMap<>();
        c.put("confidence", wSum > 0 ? cSum / wSum : Double.NaN);
        c.put("roughness", mean(rough));
        c.put("roughness_reverse", mean(rev));
        c.put("db_labels", mean(db));
        return c;
    }

    /** Thresholded predictions of each run's final checkpoint on each query set: the references of checkpoint agreement. */
    public Map<String, Map<String, List<java.util.BitSet>>> references(List<CheckpointStore.Manifest> runs, List<String> setNames,
                                                                        java.util.function.Function<String, PreparedSet> sets) {
        Map<String, Map<String, List<java.util.BitSet>>> out = new LinkedHashMap<>();
        if (runs.size() < 2) return out;
        for (CheckpointStore.Manifest m : runs) {
            CheckpointStore.Entry last = m.checkpoints().get(m.checkpoints().size() - 1);
            Map<String, List<java.util.BitSet>> byQuery = new LinkedHashMap<>();
            try (UNet net = UNet.load(new CheckpointStore(exp, m.run()).dir().resolve(last.params()), m.train().net())) {
                for (String q : setNames) {
                    List<java.util.BitSet> masks = new ArrayList<>();
                    dev.unetscope.train.BatchInference.run(net, sets.apply(q), dev.unetscope.train.BatchInference.DEFAULT_BATCH, Set.of(),
                            (i, p, t) -> masks.add(mask(p)));
                    byQuery.put(q, masks);
                }
            }
            out.put(m.run(), byQuery);
        }
        return out;
    }

    static java.util.BitSet mask(float[] p) {
        java.util.BitSet b = new java.util.BitSet(p.length);
        for (int i = 0; i < p.length; i++) if (p[i] >= 0.5f) b.set(i);
        return b;
    }

    static double agreement(java.util.BitSet a, java.util.BitSet b) {
        java.util.BitSet i = (java.util.BitSet) a.clone();
        i.and(b);
        java.util.BitSet u = (java.util.BitSet) a.clone();
        u.or(b);
        int un = u.cardinality();
        return un == 0 ? Baselines.BOTH_EMPTY_AGREEMENT : (double) i.cardinality() / un;
    }

    private static Mahalanobis fitOrNull(LayerSample train) {
        try {
            return Mahalanobis.fit(train);
        } catch (ArithmeticException | BadInputException e) {
            return null;
        }
    }

    /**
     * Per case: the probability baselines, test-time-augmentation agreement (IoU with the prediction of one copy flipped left-right and
     * intensity-jittered x(1 + 0.1 g1) + 0.1 g2, g seeded by case id, flipped back), agreement with the other runs' final
     * checkpoints, Mahalanobis distance of the bottleneck, and the per-case forms of confidence (mean
     * over the case's points of the per-dimension log-likelihood under each layer's best model, averaged
     * over layers) and roughness (DB of the case's points, averaged over layers). Returns the set means.
     */
    private Map<String, Double> caseLevel(UNet net, CheckpointStore.Manifest m, CheckpointStore.Entry e, String q, PreparedSet set,
                                          FeatureSample s, Map<String, LayerSample> z, Map<String, int[]> clusters, List<float[]> probs,
                                          Map<String, Confidence> conf,
                                          Mahalanobis maha, String bottleneck, Map<String, Map<String, List<java.util.BitSet>>> refs, CsvTable out) {
        int nCases = set.size();
        double[] tta = new double[nCases];
        int w = set.w(), vox = set.voxels();
        // one augmented copy per case: flipped left-right and intensity-jittered x(1 + 0.1 g1) + 0.1 g2 (g seeded by case id)
        PreparedSet augmented = transformed(set, (i, img) -> {
            java.util.Random r = new java.util.Random(cfg.seed() * 31 + set.ids().get(i).hashCode());
            float a = (float) (1 + 0.1 * r.nextGaussian()), b = (float) (0.1 * r.nextGaussian());
            float[] f = new float[img.length];
            for (int k = 0; k < img.length; k++) f[k] = img[k - k % w + (w - 1 - k % w)] * a + b;
            return f;
        });
        dev.unetscope.train.BatchInference.run(net, augmented, dev.unetscope.train.BatchInference.DEFAULT_BATCH, Set.of(), (i, p, t) -> {
            float[] back = new float[vox];
            for (int k = 0; k < vox; k++) back[k] = p[k - k % w + (w - 1 - k % w)];
            tta[i] = Baselines.agreement(probs.get(i), back, Baselines.BOTH_EMPTY_AGREEMENT);
        });

        // per-point scores for the per-case confidence and roughness
        List<String> names = new ArrayList<>(s.layers().keySet());
        int n = s.n();
        double[] confSum = new double[nCases], roughSum = new double[nCases];
        int[] confCount = new int[nCases], roughCount = new int[nCases];
        int[] start = new int[nCases + 1];
        for (int i = 0; i < n; i++) start[s.caseOf()[i] + 1] = i + 1;
        for (int c = 1; c <= nCases; c++) start[c] = Math.max(start[c], start[c - 1]);
        for (int li = 1; li < names.size(); li++) {
            String l = names.get(li);
            LayerSample x = z.get(l);
            String best = Confidence.argBest(safeScore(conf.get(l), x));
            if (best != null) {
                double[] pts = conf.get(l).scorePoints(x, best);
                for (int c = 0; c < nCases; c++) {
                    if (start[c + 1] == start[c]) continue;
                    double sum = 0;
                    for (int i = start[c]; i < start[c + 1]; i++) sum += pts[i];
                    confSum[c] += sum / (start[c + 1] - start[c]);
                    confCount[c]++;
                }
            }
            int[] labels = clusters.get(l);
            if (labels != null) {
                for (int c = 0; c < nCases; c++) {
                    try {
                        roughSum[c] += LayerMetrics.dbOfRows(x, labels, start[c], start[c + 1]);
                        roughCount[c]++;
                    } catch (BadInputException ex) {
                        // fewer than two clusters among this case's points: no per-case value at this layer
                    }
                }
            }
        }
        double[] mahaPts = null;
        if (maha != null) {
            try {
                mahaPts = maha.distances(z.get(bottleneck));
            } catch (RuntimeException ex) {
                mahaPts = null;
            }
        }

        Map<String, double[]> sums = new LinkedHashMap<>();
        for (String col : List.of("softmax_confidence", "gland_confidence", "entropy", "soft_iou", "tta_agreement", "checkpoint_agreement", "mahalanobis")) {
            sums.put(col, new double[] {0, 0});
        }
        for (int c = 0; c < nCases; c++) {
            Baselines.CaseScores b = Baselines.of(probs.get(c));
            java.util.BitSet own = mask(probs.get(c));
            double agree = Double.NaN;
            int nRef = 0;
            double agreeSum = 0;
            for (Map.Entry<String, Map<String, List<java.util.BitSet>>> ref : refs.entrySet()) {
                if (ref.getKey().equals(m.run())) continue;
                agreeSum += agreement(own, ref.getValue().get(q).get(c));
                nRef++;
            }
            if (nRef > 0) agree = agreeSum / nRef;
            double mh = Double.NaN;
            if (mahaPts != null && start[c + 1] > start[c]) {
                double sum = 0;
                for (int i = start[c]; i < start[c + 1]; i++) sum += mahaPts[i];
                mh = sum / (start[c + 1] - start[c]);
            }
            double cc = confCount[c] == 0 ? Double.NaN : confSum[c] / confCount[c];
            double rc = roughCount[c] == 0 ? Double.NaN : roughSum[c] / roughCount[c];
            out.add(List.of(m.run(), m.objective(), m.replicate(), e.step(), q, set.ids().get(c), cc, rc, b.softmaxConfidence(), b.glandConfidence(),
                    b.entropy(), b.softIoU(), tta[c], agree, mh));
            double[] vals = {b.softmaxConfidence(), b.glandConfidence(), b.entropy(), b.softIoU(), tta[c], agree, mh};
            int k = 0;
            for (double[] acc : sums.values()) {
                double v = vals[k++];
                if (!Double.isNaN(v)) {
                    acc[0] += v;
                    acc[1]++;
                }
            }
        }
        Map<String, Double> means = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> en : sums.entrySet()) means.put(en.getKey(), en.getValue()[1] == 0 ? Double.NaN : en.getValue()[0] / en.getValue()[1]);
        return means;
    }

    private static Map<String, Double> safeScore(Confidence c, LayerSample x) {
        try {
            return c.score(x);
        } catch (BadInputException ex) {
            return Map.of();
        }
    }

    interface ImageTransform {
        float[] apply(int caseIndex, float[] image);
    }

    /** The set with each image transformed on access (masks unchanged). */
    static PreparedSet transformed(PreparedSet set, ImageTransform t) {
        List<float[]> images = new java.util.AbstractList<>() {
            public float[] get(int i) { return t.apply(i, set.images().get(i)); }
            public int size() { return set.size(); }
        };
        return new PreparedSet(set.name(), set.ids(), images, set.masks(), set.d(), set.h(), set.w());
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

    private static double mean(List<Double> l) {
        return l.isEmpty() ? Double.NaN : l.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Adds (or refreshes) the combined columns of this checkpoint's rows in results/checkpoints.csv. */
    private void writeCombined(String run, int step, Map<String, Map<String, Double>> combined) {
        Path f = exp.resultsDir().resolve(Evaluation.CHECKPOINTS_CSV);
        CsvTable t = CsvTable.readWithColumns(f, Evaluation.CHECKPOINT_COLUMNS, COMBINED);
        if (t == null) return; // not evaluated yet: the layer table holds everything; evaluation adds the rows later
        int cr = t.column("run"), cs = t.column("step"), cq = t.column("query");
        for (List<String> row : t.rows()) {
            if (!row.get(cr).equals(run) || !row.get(cs).equals(Integer.toString(step))) continue;
            Map<String, Double> c = combined.get(row.get(cq));
            if (c == null) continue;
            for (String col : COMBINED) row.set(t.column(col), CsvTable.num(c.get(col)));
        }
        t.write(f);
    }
}
