package dev.unetscope.pipeline;

import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.train.CheckpointRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The merge stage: joins the shards of {@code evaluate} and {@code analyze}
 * ({@code shards/STAGE/I-of-N/}) into the experiment's {@code results/} tables, the same bytes one
 * run on one machine writes, then derives what the unsharded analysis derives after its loop (the
 * combined columns of checkpoints.csv, validation_scores.csv) and runs the correlate stage. Every
 * shard of a stage is checked before anything is written: a missing or unfinished shard, two shards
 * with the same I or covering the same checkpoint, shards of different N, shards made on another
 * checkpoint list or with settings other than the experiment records are refused in one line naming
 * the shard, and results/ is left as it was.
 */
public final class MergeService {

    public record Settings(CorrelateService.Settings correlate) {}

    /**
     * @param shards      shards joined per stage (absent: the stage had no shards)
     * @param checkpoints checkpoints of the experiment
     * @param correlate   the correlate stage's result, null when there was no analysis to correlate
     */
    public record Result(Map<String, Integer> shards, int checkpoints, CorrelateService.Result correlate, double seconds) {}

    /** A stage's tables, in the order its unsharded service writes their rows. */
    private record Stage(String name, List<String> tables, boolean sortedByRunAndStep) {}

    private static final List<Stage> STAGES = List.of(
            new Stage(EvaluateService.STAGE, List.of(ResultFiles.CASES_CSV, ResultFiles.CHECKPOINTS_CSV), false),
            new Stage(AnalyzeService.STAGE, List.of(ResultFiles.LAYERS_CSV, ResultFiles.CASE_SCORES_CSV), true));

    public Result run(Experiment exp, Settings s, Progress progress) {
        long t0 = System.nanoTime();
        List<CheckpointRef> all = CheckpointRef.all(exp);
        if (all.isEmpty()) throw new BadInputException(exp.checkpointsDir(), "has no trained checkpoints", "run 'unetscope train' first");
        Map<String, Object> expected = new HashMap<>();
        expected.put(EvaluateService.STAGE, EvaluateService.settings(exp));
        AnalysisConfig cfg = AnalyzeService.recorded(exp);
        if (cfg != null) expected.put(AnalyzeService.STAGE, cfg);

        // check every stage's shards first; nothing is written unless all of them join
        Map<String, Map<String, CsvTable>> joined = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Stage st : STAGES) {
            List<Path> shards = check(exp, st.name(), all, expected.get(st.name()));
            if (shards == null) continue;
            joined.put(st.name(), join(st, shards, all));
            counts.put(st.name(), shards.size());
        }
        if (joined.isEmpty()) {
            throw new BadInputException(exp.root().resolve(Shard.FOLDER), "holds no shards",
                    "run 'unetscope evaluate' or 'unetscope analyze' with --shard I/N for every I from 0 to N-1 first");
        }
        ResultsStore store = new ResultsStore(exp);
        for (Map<String, CsvTable> tables : joined.values()) {
            for (Map.Entry<String, CsvTable> t : tables.entrySet()) t.getValue().write(store.file(t.getKey()));
        }
        for (Map.Entry<String, Integer> c : counts.entrySet()) progress.info("merged " + c.getValue() + " shard(s) of " + c.getKey() + " into results/");
        CorrelateService.Result correlate = null;
        if (cfg != null && store.exists(ResultFiles.LAYERS_CSV)) {
            // what the unsharded analysis does after its loop
            store.refreshCombined(cfg);
            correlate = new CorrelateService().run(exp, s.correlate(), progress);
        }
        return new Result(counts, all.size(), correlate, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The folders of a stage's shards, ordered by I, after checking that they join into one whole;
     * null when the stage has no shards.
     */
    private static List<Path> check(Experiment exp, String stage, List<CheckpointRef> all, Object expected) {
        Path root = Shard.stageDir(exp, stage);
        if (!Files.isDirectory(root)) return null;
        List<Path> folders;
        try (var list = Files.list(root)) {
            folders = list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Path, ShardManifest> found = new LinkedHashMap<>();
        List<Path> unfinished = new ArrayList<>();
        for (Path f : folders) {
            ShardManifest m = ShardManifest.read(f);
            if (m == null) unfinished.add(f);
            else found.put(f, m);
        }
        if (found.isEmpty()) {
            if (unfinished.isEmpty()) return null;
            throw new BadInputException(unfinished.get(0), "has not finished (no " + Shard.MANIFEST + ")", "run that shard again; it resumes where it stopped");
        }
        Map.Entry<Path, ShardManifest> first = found.entrySet().iterator().next();
        int n = first.getValue().count();
        String listHash = Shard.listHash(all);
        String hash = expected == null ? null : SettingsHash.of(expected);
        TreeMap<Integer, Path> byIndex = new TreeMap<>();
        Map<String, Path> byCheckpoint = new HashMap<>();
        for (Map.Entry<Path, ShardManifest> e : found.entrySet()) {
            Path f = e.getKey();
            ShardManifest m = e.getValue();
            if (!m.stage().equals(stage)) throw new BadInputException(f, "holds a shard of '" + m.stage() + "', not of " + stage, "move it to shards/" + m.stage() + "/");
            if (m.count() != n) {
                throw new BadInputException(f, "is shard " + m.index() + " of " + m.count() + ", but " + rel(exp, first.getKey()) + " is one of " + n,
                        "shards of one stage must share N: remove the shards of the other split and merge again");
            }
            Path twin = byIndex.put(m.index(), f);
            if (twin != null) {
                throw new BadInputException(f, "is shard " + m.shard() + " again, like " + rel(exp, twin), "remove one of the two and merge again");
            }
            if (hash != null && !hash.equals(m.settingsHash())) {
                List<String> diff = SettingsHash.differences(expected, m.settings());
                throw new BadInputException(f, "was made with other settings than the experiment records (" + m.settingsHash() + " against " + hash
                        + (diff.isEmpty() ? "" : ": " + String.join("; ", diff).replace("recorded", "in experiment.json").replace("requested", "in the shard")) + ")",
                        "re-run that shard with the recorded settings (add --recompute), then merge again");
            }
            if (!m.checkpointList().equals(listHash) || m.checkpointTotal() != all.size()) {
                throw new BadInputException(f, "was assigned from another list of checkpoints (" + m.checkpointTotal() + " then, " + all.size() + " now)",
                        "every shard must see the same checkpoints: re-run it now that training has finished");
            }
            List<String> firstSets = first.getValue().sets();
            if (!m.sets().equals(firstSets)) {
                throw new BadInputException(f, "covers the sets " + m.sets() + ", " + rel(exp, first.getKey()) + " covers " + firstSets,
                        "give every shard the same --query options and re-run the odd one");
            }
            for (String c : m.checkpoints()) {
                Path other = byCheckpoint.put(c, f);
                if (other != null) throw new BadInputException(f, "covers checkpoint " + c + " like " + rel(exp, other), "remove one of the two and merge again");
            }
        }
        for (int i = 0; i < n; i++) {
            if (!byIndex.containsKey(i)) {
                Path missing = root.resolve(new Shard(i, n).folder());
                boolean started = Files.isDirectory(missing);
                throw new BadInputException(missing, started ? "has not finished (no " + Shard.MANIFEST + ")" : "is missing (shard " + i + "/" + n + " has not run)",
                        "run 'unetscope " + stage + " --experiment " + exp.root() + " --shard " + i + "/" + n + "', then merge again");
            }
        }
        for (int p = 0; p < all.size(); p++) {
            String c = all.get(p).id().toString();
            if (!byCheckpoint.containsKey(c)) {
                throw new BadInputException(byIndex.get(Shard.of(p, n)), "does not cover checkpoint " + c, "re-run that shard, then merge again");
            }
        }
        return new ArrayList<>(byIndex.values());
    }

    /** Each table of the stage: every shard's rows, in the order one unsharded run writes them. */
    private static Map<String, CsvTable> join(Stage st, List<Path> shards, List<CheckpointRef> all) {
        Map<CheckpointId, Integer> position = new HashMap<>();
        for (int p = 0; p < all.size(); p++) position.put(all.get(p).id(), p);
        Map<String, CsvTable> out = new LinkedHashMap<>();
        for (String name : st.tables()) {
            CsvTable joined = null;
            Path headerFrom = null;
            for (Path shard : shards) {
                Path f = shard.resolve(name);
                if (!Files.isRegularFile(f)) continue; // a shard with no checkpoints (N larger than the list) writes no rows
                CsvTable t = CsvTable.read(f);
                if (joined == null) {
                    joined = new CsvTable(t.header());
                    headerFrom = f;
                } else if (!t.header().equals(joined.header())) {
                    throw new BadInputException(f, "has columns " + t.header() + ", " + headerFrom + " has " + joined.header(), "re-run that shard, then merge again");
                }
                checkRowsAreTheShards(f, t, ShardManifest.read(shard));
                joined.rows().addAll(t.rows());
            }
            if (joined == null) continue;
            if (st.sortedByRunAndStep()) {
                ResultsStore.sortByCheckpoint(joined);
            } else {
                int r = joined.column("run"), sp = joined.column("step");
                joined.rows().sort(Comparator.comparingInt(row -> position.getOrDefault(new CheckpointId(row.get(r), Integer.parseInt(row.get(sp))), Integer.MAX_VALUE)));
            }
            out.put(name, joined);
        }
        return out;
    }

    /**
     * Every row of a shard's table belongs to a checkpoint its shard.json lists (a table copied in
     * from another shard, or edited, would otherwise slip rows into the merge twice or unassigned).
     */
    private static void checkRowsAreTheShards(Path f, CsvTable t, ShardManifest m) {
        if (m == null) return;
        java.util.Set<String> listed = new java.util.HashSet<>(m.checkpoints());
        int r = t.column("run"), sp = t.column("step");
        for (List<String> row : t.rows()) {
            String id = new CheckpointId(row.get(r), Integer.parseInt(row.get(sp))).toString();
            if (!listed.contains(id)) {
                throw new BadInputException(f, "holds rows of checkpoint " + id + ", which its " + Shard.MANIFEST + " does not list",
                        "re-run that shard, then merge again");
            }
        }
    }

    private static String rel(Experiment exp, Path p) {
        return exp.root().relativize(p).toString();
    }
}
