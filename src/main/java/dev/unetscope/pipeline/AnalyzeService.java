package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SetKey;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The analysis stage: the seed's interior-feature metrics and the baselines of every checkpoint on
 * every query set and on the validation split ({@link #VALIDATION}: the seed's X_val, inputs only for
 * the label-free scores), into results/layers.csv and results/case_scores.csv, with their combination
 * in results/checkpoints.csv. Each checkpoint's rows are stored as its own part as it finishes and the
 * tables written once at the end ({@link ResultsStore#mergeAnalysis}). Resumes: a checkpoint whose
 * sets are all in layers.csv (or its part) with the same settings hash is skipped. Rows made with other settings are refused in one line naming the setting,
 * or redone with {@code recompute}.
 */
public final class AnalyzeService {
    /** The name the validation split's scores carry in the tables' {@code query} column. */
    public static final String VALIDATION = ResultFiles.VALIDATION;
    /** Peak memory one checkpoint's analysis needs here, used to cap the jobs by the heap. */
    static final long BYTES_PER_JOB = 768L << 20;

    /**
     * @param analysis  the metric settings (recorded in experiment.json under {@code analysis})
     * @param jobs      checkpoints analysed at once (capped by the heap)
     * @param recompute redo rows made with other settings instead of refusing
     * @param shard     null: every checkpoint, into results/; else only this shard's checkpoints, into
     *                  {@code shards/analyze/I-of-N/} with its manifest ({@code unetscope merge} joins them)
     */
    public record Settings(AnalysisConfig analysis, int jobs, boolean recompute, Shard shard) {
        public Settings {
            if (jobs < 1) throw new BadInputException("--jobs " + jobs + " must be at least 1", null);
        }

        /** Every checkpoint, into results/. */
        public Settings(AnalysisConfig analysis, int jobs, boolean recompute) {
            this(analysis, jobs, recompute, null);
        }
    }

    /** The stage's name in {@code shards/}. */
    public static final String STAGE = "analyze";

    public record Result(int analysed, int skipped, String settingsHash, double seconds) {}

    /** The analysis settings recorded in the experiment, or null when it has not been analysed. */
    public static AnalysisConfig recorded(Experiment exp) {
        var n = exp.section("analysis");
        if (n.isMissingNode()) return null;
        try {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            // settings added after an experiment was analysed read as their defaults (its rows' settings hash still differs)
            var withDefaults = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.valueToTree(AnalysisConfig.defaults());
            if (n.isObject()) withDefaults.setAll((com.fasterxml.jackson.databind.node.ObjectNode) n);
            return mapper.treeToValue(n.isObject() ? withDefaults : n, AnalysisConfig.class);
        } catch (Exception e) {
            throw new BadInputException(exp.root().resolve(Experiment.CONFIG), "its analysis section is invalid: " + e.getMessage().split("\n")[0],
                    "repair experiment.json or remove the section and re-run 'unetscope analyze'");
        }
    }

    private final TaskRunner runner;

    /** Checkpoints analysed on {@link Settings#jobs} threads of this JVM. */
    public AnalyzeService() {
        this(null);
    }

    /** Checkpoints analysed as tasks of {@code runner} (a cluster's, for {@code --spark}; null: threads of this JVM). */
    public AnalyzeService(TaskRunner runner) {
        this.runner = runner;
    }

    public Result run(Experiment exp, Settings s, Progress progress) {
        long t0 = System.nanoTime();
        AnalysisConfig cfg = s.analysis();
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        if (runs.isEmpty()) throw new BadInputException(exp.checkpointsDir(), "has no trained checkpoints", "run 'unetscope train' first");
        Map<String, ExperimentData.Query> queries = ExperimentData.queries(exp);
        for (ExperimentData.Query q : queries.values()) {
            // an empty or missing query set is refused before any work, not halfway through
            if (q.split() == null) ExperimentData.queryDataset(exp, q);
        }
        String hash = SettingsHash.of(cfg);
        Shard shard = s.shard();
        ResultsStore store = shard == null ? new ResultsStore(exp) : new ResultsStore(shard.dir(exp, STAGE));
        List<CheckpointRef> all = CheckpointRef.all(exp);
        // a run with its own preprocessing or patch hashes them with the analysis settings, so a change is noticed
        Map<String, String> hashOf = new LinkedHashMap<>();
        for (CheckpointRef ref : all) hashOf.computeIfAbsent(ref.manifest().run(), r -> hash(cfg, ref.ownSettings(exp)));
        store.mergeAnalysis(cfg); // parts a killed run left
        Map<SetKey, String> done = checkSettings(exp, store, cfg, hashOf, hash, s.recompute());
        exp.putSection("analysis", cfg);
        if (shard != null) ShardManifest.remove(shard.dir(exp, STAGE)); // unfinished until its new manifest is written

        List<String> setNames = new ArrayList<>(queries.keySet());
        setNames.add(VALIDATION);
        PreparedSets prepared = new PreparedSets(exp, queries);
        List<CheckpointRef> mine = shard == null ? all : shard.select(all);
        List<CheckpointRef> todo = new ArrayList<>();
        int skipped = 0;
        for (CheckpointRef ref : mine) {
            CheckpointId id = ref.id();
            String h = hashOf.get(id.run());
            if (setNames.stream().allMatch(q -> h.equals(done.get(new SetKey(id, q))))) skipped++;
            else todo.add(ref);
        }
        if (!todo.isEmpty()) {
            List<CheckpointRef> finals = runs.stream().map(m -> CheckpointRef.last(exp, m)).toList();
            Map<String, CheckpointAnalysis.Reference> references = CheckpointAnalysis.references(finals, setNames, prepared::sets, prepared::of);
            Map<CheckpointId, CheckpointRef> refs = new LinkedHashMap<>();
            for (CheckpointRef ref : todo) refs.put(ref.id(), ref);
            CheckpointAnalysis analysis = new CheckpointAnalysis(cfg);
            TaskRunner tasks = runner == null ? TaskRunner.local(jobs(s.jobs(), progress)) : runner;
            // a cluster's executors get a self-contained task that loads the same inputs and runs the same analysis
            TaskRunner.Work<CheckpointId, CheckpointScores> work = tasks.local()
                    ? id -> analyse(analysis, prepared, refs.get(id), setNames, references)
                    : new AnalysisTask(exp.root().toAbsolutePath().toString(), cfg, setNames, references);
            tasks.run(new ArrayList<>(refs.keySet()), work, scores -> {
                store.putAnalysis(scores, cfg, hashOf.get(scores.checkpoint().run()));
                progress.info("analysed " + scores.checkpoint().run() + " step " + scores.checkpoint().step() + " on " + setNames.size() + " sets");
            });
        }
        store.mergeAnalysis(cfg); // the tables written once for the run's checkpoints
        if (shard == null) {
            store.refreshCombined(cfg);
        } else {
            // the combined columns and validation_scores.csv are derived from the joined tables by merge
            ShardManifest.of(STAGE, shard, cfg, setNames, Shard.listHash(all), all.size(), mine.stream().map(r -> r.id().toString()).toList())
                    .write(shard.dir(exp, STAGE));
        }
        return new Result(todo.size(), skipped, hash, (System.nanoTime() - t0) / 1e9);
    }

    /** The analysis settings' hash, with a run's own preprocessing and patch when it has them. */
    static String hash(AnalysisConfig cfg, Map<String, Object> own) {
        if (own.isEmpty()) return SettingsHash.of(cfg);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("analysis", cfg);
        m.putAll(own);
        return SettingsHash.of(m);
    }

    /**
     * Rows already analysed, by settings hash; refuses (one line naming the differing settings) when
     * some were made with other settings, unless {@code recompute}, which lets those be redone (and
     * starts the tables afresh when their columns differ).
     */
    private static Map<SetKey, String> checkSettings(Experiment exp, ResultsStore store, AnalysisConfig cfg, Map<String, String> hashOf, String hash,
                                                     boolean recompute) {
        var file = store.file(ResultFiles.LAYERS_CSV);
        if (!java.nio.file.Files.isRegularFile(file)) return Map.of();
        var table = dev.unetscope.experiment.CsvTable.read(file);
        boolean sameColumns = table.header().equals(ResultsStore.layerColumns(cfg)) && store.caseScoresCurrent();
        Set<CheckpointId> stale = new LinkedHashSet<>();
        for (Map<String, String> r : table.records()) {
            if (!hashOf.getOrDefault(r.get("run"), hash).equals(r.get("settings"))) stale.add(CheckpointId.of(r));
        }
        if (stale.isEmpty() && sameColumns) return store.analysed(cfg);
        AnalysisConfig before = recorded(exp);
        // the tables lack columns this version writes for the settings that made them: an older version wrote them
        boolean layersOld = !table.header().equals(ResultsStore.layerColumns(before == null ? cfg : before));
        if (!recompute && (stale.isEmpty() || layersOld || !store.caseScoresCurrent())) {
            throw new BadInputException(layersOld ? file : store.file(ResultFiles.CASE_SCORES_CSV), "has the score columns of another unetscope version",
                    "add --recompute to redo the analysis with this version's scores");
        }
        if (!recompute) {
            String what = before == null || SettingsHash.of(before).equals(hash) ? "settings " + hashes(table) + "; a run's preprocessing or patch may have changed"
                    : String.join("; ", SettingsHash.differences(before, cfg));
            throw new BadInputException(file, stale.size() + " checkpoint(s) were analysed with other settings (" + what + ")",
                    "re-run without options to use the recorded settings, or add --recompute to redo them with these");
        }
        if (!sameColumns) {
            store.clearAnalysis();
            return Map.of();
        }
        return store.analysed(cfg);
    }

    private static String hashes(dev.unetscope.experiment.CsvTable t) {
        Set<String> h = new LinkedHashSet<>();
        for (Map<String, String> r : t.records()) h.add(r.getOrDefault("settings", "none"));
        return String.join(", ", h);
    }

    /** The jobs to run at once: {@code jobs}, capped by the heap. */
    private static int jobs(int jobs, Progress progress) {
        int cap = (int) Math.max(1, Runtime.getRuntime().maxMemory() / BYTES_PER_JOB);
        int n = Math.max(1, Math.min(jobs, cap));
        if (n < jobs) progress.info("--jobs " + jobs + " capped at " + n + " by the memory budget (" + (Runtime.getRuntime().maxMemory() >> 20) + " MiB heap)");
        return n;
    }

    /** One checkpoint's analysis on its own preprocessing's training split and sets (the plain path and a cluster's task alike). */
    static CheckpointScores analyse(CheckpointAnalysis analysis, PreparedSets prepared, CheckpointRef ref, List<String> setNames,
                                    Map<String, CheckpointAnalysis.Reference> references) {
        var prep = prepared.of(ref);
        return analysis.analyse(ref, prep, prepared.split(prep, "train"), setNames, prepared.sets(ref), references);
    }

    /** Per-checkpoint scores and the predictor inputs of one set, for {@code predict}: computed, not read from tables. */
    static Map<String, Double> predictorValues(CheckpointScores s, String set, AnalysisConfig cfg) {
        return new LinkedHashMap<>(s.set(set).predictorValues(cfg.layerWeights()));
    }
}
