package dev.unetscope.pipeline;

import dev.unetscope.data.DatasetCheck;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SetKey;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.Divergence;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.train.BatchInference;
import dev.unetscope.train.CheckpointRef;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The evaluation stage (ground truth, for evaluating the label-free predictors only): every
 * checkpoint on every query set, per case IoU and Dice of the prediction ({@link Overlap}'s threshold
 * rule) into results/cases.csv and their means into results/checkpoints.csv. Resumes: a checkpoint
 * with rows for every query set made with the same settings (preprocessing and threshold) is skipped;
 * a partly evaluated one is redone whole. Rows made with other settings are refused in one line, or
 * redone with {@code recompute}. Query sets without labels are not evaluated (ground truth needs
 * masks): they are named in the result, have no rows, and the other stages score them label-free.
 */
public final class EvaluateService {

    /**
     * @param extraQueries query sets (labelled or not) to add to the experiment, by name (a dataset folder each)
     * @param recompute    redo rows made with other settings instead of refusing
     * @param shard        null: every checkpoint, into results/; else only this shard's checkpoints, into
     *                     {@code shards/evaluate/I-of-N/} with its manifest ({@code unetscope merge} joins them)
     */
    public record Settings(Map<String, Path> extraQueries, boolean recompute, Shard shard) {
        /** Every checkpoint, into results/. */
        public Settings(Map<String, Path> extraQueries, boolean recompute) {
            this(extraQueries, recompute, null);
        }

        public static Settings defaults() {
            return new Settings(Map.of(), false);
        }
    }

    /** The stage's name in {@code shards/}. */
    public static final String STAGE = "evaluate";

    /**
     * @param querySets  labelled query sets evaluated
     * @param unlabelled query sets without labels, not evaluated
     */
    public record Result(int evaluated, int skipped, int querySets, List<String> unlabelled, double minIoU, double maxIoU, double seconds) {}

    /** What an evaluation row depends on besides the checkpoint and the data: the preprocessing and the threshold. */
    public static Map<String, Object> settings(Experiment exp) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preprocessing", exp.section("preprocessing"));
        m.put("threshold", (double) Overlap.THRESHOLD);
        return m;
    }

    private final TaskRunner runner;

    /** Checkpoints evaluated one after another in this JVM. */
    public EvaluateService() {
        this(null);
    }

    /** Checkpoints evaluated as tasks of {@code runner} (a cluster's, for {@code --spark}; null: this JVM). */
    public EvaluateService(TaskRunner runner) {
        this.runner = runner;
    }

    /** The settings of one checkpoint's rows: the above plus its run's own preprocessing and patch, when it has them. */
    public static Map<String, Object> settings(Experiment exp, CheckpointRef ref) {
        Map<String, Object> m = settings(exp);
        m.putAll(ref.ownSettings(exp));
        return m;
    }

    public Result run(Experiment exp, Settings s, Progress progress) {
        long t0 = System.nanoTime();
        Map<String, ExperimentData.Query> all0 = withExtra(exp, s.extraQueries());
        if (all0.isEmpty()) throw new BadInputException(exp.root(), "no query sets to evaluate on", "name one with --query NAME=DATASET_DIR");
        Map<String, ExperimentData.Query> queries = new LinkedHashMap<>();
        List<String> unlabelled = new ArrayList<>();
        for (ExperimentData.Query q : all0.values()) {
            if (ExperimentData.info(exp, q).labelled()) queries.put(q.name(), q);
            else unlabelled.add(q.name());
        }
        List<CheckpointRef> all = CheckpointRef.all(exp);
        if (all.isEmpty()) throw new BadInputException(exp.checkpointsDir(), "has no trained checkpoints", "run 'unetscope train' first");
        Shard shard = s.shard();
        ResultsStore store = shard == null ? new ResultsStore(exp) : new ResultsStore(shard.dir(exp, STAGE));
        String hash = SettingsHash.of(settings(exp));
        Map<String, String> hashOf = new LinkedHashMap<>();
        for (CheckpointRef ref : all) hashOf.computeIfAbsent(ref.id().run(), r -> SettingsHash.of(settings(exp, ref)));
        Map<SetKey, String> done = store.evaluated();
        Set<CheckpointId> stale = new LinkedHashSet<>();
        for (Map.Entry<SetKey, String> e : done.entrySet()) {
            if (!hashOf.getOrDefault(e.getKey().checkpoint().run(), hash).equals(e.getValue())) stale.add(e.getKey().checkpoint());
        }
        if (!stale.isEmpty() && !s.recompute()) {
            throw new BadInputException(store.file(ResultFiles.CHECKPOINTS_CSV), stale.size()
                    + " checkpoint(s) were evaluated with other settings (the preprocessing, a run's own preprocessing or patch, or the threshold changed; settings "
                    + hash + " now)", "add --recompute to evaluate them again with these settings");
        }
        if (shard != null) ShardManifest.remove(shard.dir(exp, STAGE)); // unfinished until its new manifest is written
        PreparedSets prepared = new PreparedSets(exp, queries);
        List<String> names = List.copyOf(queries.keySet());
        List<CheckpointRef> mine = shard == null ? all : shard.select(all);
        List<CheckpointId> todo = new ArrayList<>();
        Map<CheckpointId, CheckpointRef> refs = new LinkedHashMap<>();
        int skipped = 0;
        for (CheckpointRef ref : mine) {
            CheckpointId id = ref.id();
            String rowHash = hashOf.get(id.run());
            if (names.stream().allMatch(q -> rowHash.equals(done.get(new SetKey(id, q))))) {
                skipped++;
                continue;
            }
            todo.add(id);
            refs.put(id, ref);
        }
        TaskRunner tasks = runner == null ? TaskRunner.local(1) : runner;
        // a cluster's executors get a self-contained task that loads the same sets and runs the same evaluation
        TaskRunner.Work<CheckpointId, CheckpointEvaluation> work = tasks.local()
                ? id -> evaluate(prepared, refs.get(id), names)
                : new EvaluationTask(exp.root().toAbsolutePath().toString(), names);
        tasks.run(todo, work, e -> {
            CheckpointId id = e.checkpoint();
            if (!e.reason().isEmpty()) progress.info(id.run() + " step " + id.step() + " " + e.reason() + "; recorded with NaN IoU");
            store.putEvaluation(e, hashOf.get(id.run()));
            progress.info("evaluated " + id.run() + " step " + id.step() + " on " + queries.size() + " labelled query sets");
        });
        int evaluated = todo.size();
        if (shard != null) {
            ShardManifest.of(STAGE, shard, settings(exp), names, Shard.listHash(all), all.size(), mine.stream().map(r -> r.id().toString()).toList())
                    .write(shard.dir(exp, STAGE));
        }
        double[] range = store.iouRange();
        return new Result(evaluated, skipped, queries.size(), List.copyOf(unlabelled), range[0], range[1], (System.nanoTime() - t0) / 1e9);
    }

    /** One checkpoint's ground truth on its own preprocessing's sets (the plain path and a cluster's task alike); written by the caller. */
    static CheckpointEvaluation evaluate(PreparedSets prepared, CheckpointRef ref, List<String> names) {
        // the checkpoint's own preprocessing (an imported run's spacing and normalisation), validation split included
        var prep = prepared.of(ref);
        return CheckpointEvaluation.of(ref, names, q -> prepared.query(prep, q), () -> prepared.split(prep, AnalyzeService.VALIDATION));
    }

    /** Mean IoU on the validation split, or NaN when the experiment has no labelled validation cases. */
    static double validationIoU(PreparedSet val, SegmentationNetwork net) {
        return val.size() == 0 || !val.labelled() ? Double.NaN : BatchInference.meanIoU(net, val);
    }

    /** The experiment's query sets plus {@code extra}, which are recorded in experiment.json. */
    private static Map<String, ExperimentData.Query> withExtra(Experiment exp, Map<String, Path> extra) {
        Map<String, ExperimentData.Query> queries = new LinkedHashMap<>(ExperimentData.queries(exp));
        if (extra.isEmpty()) return queries;
        Map<String, Object> section = new LinkedHashMap<>();
        exp.section("queries").fields().forEachRemaining(f -> section.put(f.getKey(), f.getValue()));
        boolean replace = ExperimentData.preprocessing(exp).nonFinite() == Preprocessing.NonFinite.REPLACE_WITH_MIN;
        for (Map.Entry<String, Path> e : extra.entrySet()) {
            String name = e.getKey();
            if (name.equals(AnalyzeService.VALIDATION) || name.equals("train") || name.equals("test")) {
                throw new BadInputException("--query " + name + "=... uses a split's name", "choose another name for the query set");
            }
            Path dir = e.getValue().toAbsolutePath();
            if (!Files.isDirectory(dir)) throw new BadInputException(dir, "query dataset folder does not exist", "give a dataset folder");
            // an empty or unreadable folder, or any case that would fail later, is refused before anything is written
            DatasetCheck.run(ExperimentData.queryDataset(exp, new ExperimentData.Query(name, dir, null)), DatasetCheck.Settings.query(replace,
                    replace ? DatasetCheck.Settings.REMEDY : "re-export the image (the experiment refuses them: it was made without " + DatasetCheck.Settings.OPTION + ")"));
            queries.put(name, new ExperimentData.Query(name, dir, null));
            section.put(name, Map.of("path", dir.toString()));
        }
        exp.putSection("queries", section);
        return queries;
    }
}
