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
    public static final List<String> COMBINED = List.of("confidence", "roughness", "roughness_reverse", "db_labels");

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
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(cfg.sampleSeed(), cfg.samplesPerCase(),
                cfg.stratify() ? ReceptiveFieldSampler.Mode.PREDICTED : ReceptiveFieldSampler.Mode.UNIFORM);
        int analysed = 0, skipped = 0;
        for (CheckpointStore.Manifest m : runs) {
            CheckpointStore store = new CheckpointStore(exp, m.run());
            for (CheckpointStore.Entry e : m.checkpoints()) {
                boolean all = queries.keySet().stream().allMatch(q -> done.contains(m.run() + "/" + e.step() + "/" + q));
                if (all) {
                    skipped++;
                    continue;
                }
                String run = m.run(), step = Integer.toString(e.step());
                layers.removeIf(r -> r.get("run").equals(run) && r.get("step").equals(step));
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
                    for (String q : queries.keySet()) {
                        FeatureSample s = FeatureExtractor.extract(net, cache.get(q), sampler, taps);
                        combined.put(q, analyseSet(m, e, q, s, std, conf, layers));
                    }
                }
                layers.write(layersFile);
                writeCombined(m.run(), e.step(), combined);
                analysed++;
                LOG.info("analysed {} step {} on {} query sets", m.run(), e.step(), queries.size());
            }
        }
        return new Summary(analysed, skipped);
    }

    private Map<String, Double> analyseSet(CheckpointStore.Manifest m, CheckpointStore.Entry e, String q, FeatureSample s,
                                           Map<String, Standardizer> std, Map<String, Confidence> conf, CsvTable out) {
        List<String> names = new ArrayList<>(s.layers().keySet());
        Map<String, LayerSample> z = new LinkedHashMap<>();
        for (String l : names) z.put(l, std.get(l).apply(s.layer(l)));
        double wSum = 0, cSum = 0;
        List<Double> rough = new ArrayList<>(), rev = new ArrayList<>(), db = new ArrayList<>();
        for (int i = 1; i < names.size(); i++) {
            String l = names.get(i), in = names.get(i - 1);
            LayerSample x = z.get(l), xin = z.get(in);
            List<String> reasons = new ArrayList<>();
            double dbl = attempt(() -> LayerMetrics.dbLabels(x), "db_labels", reasons);
            double r = attempt(() -> LayerMetrics.roughness(xin, x, cfg.roughnessK(), cfg.seed()), "roughness", reasons);
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
