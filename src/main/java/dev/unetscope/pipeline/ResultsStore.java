package dev.unetscope.pipeline;

import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SetKey;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The experiment's result tables under {@code results/}: it alone writes them, merges a
 * checkpoint's new rows into them (sorted by run and step, so the files do not depend on which job
 * finished first), says what is already done (resume), and records beside every row the hash of the
 * settings that made it ({@code settings} column; {@code analysis_settings} for the combined columns
 * of checkpoints.csv). Every write is whole (temporary file, then rename), and the table that says a
 * checkpoint is done (layers.csv for the analysis, checkpoints.csv for the evaluation) is written
 * after the others, so a process killed between two writes leaves the checkpoint to be redone whole.
 * The analysis writes each checkpoint's rows as its own part ({@link #PARTS}/RUN/step-NNNNNN/, the
 * two tables' columns), folded into the tables once per run ({@link #mergeAnalysis}), so a run's
 * table work grows with its checkpoints, not with their square; readers see the parts as rows.
 * A shard's store keeps the same tables in its own folder ({@code shards/STAGE/I-of-N/}), holding only
 * its checkpoints' rows.
 */
public final class ResultsStore {
    private final Path dir;

    /** The experiment's tables, in {@code results/}. */
    public ResultsStore(Experiment exp) {
        this(exp.resultsDir());
    }

    /** Tables of the same names in {@code dir} (a shard's folder). */
    public ResultsStore(Path dir) {
        this.dir = dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    static double parse(String s) {
        if (s == null || s.isEmpty()) return Double.NaN;
        return Double.parseDouble(s);
    }

    private static final List<String> KEY = List.of("run", "objective", "replicate", "step", "query");

    // ---- analysis tables ------------------------------------------------------------------------

    /** Columns of layers.csv for these settings (one confidence column per mixture family and K). */
    public static List<String> layerColumns(AnalysisConfig cfg) {
        List<String> c = new ArrayList<>(KEY);
        c.addAll(List.of("layer", "input_layer", "channels", "points", "db_labels", "roughness", "roughness_reverse", "jacobian", "confidence", "best_model"));
        c.addAll(modelColumns(cfg));
        c.addAll(List.of(Scores.MAHALANOBIS_PCA.name(), Scores.KNN_DISTANCE.name(), Scores.MAHALANOBIS_POOLED.name()));
        c.add("reason");
        c.add("settings");
        return c;
    }

    static List<String> modelColumns(AnalysisConfig cfg) {
        List<String> c = new ArrayList<>();
        for (String f : cfg.families()) for (int k : cfg.mixtureKs()) c.add(AnalysisConfig.column(f, k));
        return c;
    }

    public static List<String> caseScoreColumns() {
        List<String> c = new ArrayList<>(KEY);
        c.add("case");
        c.addAll(Scores.names(Scores.at(Score.Level.CASE)));
        c.add("settings");
        return c;
    }

    /** The combined columns the analysis adds to checkpoints.csv: every set-level score, then the settings hash. */
    public static List<String> combinedColumns() {
        List<String> c = new ArrayList<>(Scores.names(Scores.at(Score.Level.SET)));
        c.add("analysis_settings");
        return c;
    }

    /** Settings hash of every (checkpoint, set) already in layers.csv or in a checkpoint's part. */
    public synchronized Map<SetKey, String> analysed(AnalysisConfig cfg) {
        Map<SetKey, String> done = new LinkedHashMap<>();
        for (Map<String, String> r : layers(cfg).records()) done.put(SetKey.of(r), r.get("settings"));
        return done;
    }

    /** layers.csv with the checkpoints' parts in place of their rows. */
    private CsvTable layers(AnalysisConfig cfg) {
        return withParts(CsvTable.readOrEmpty(file(ResultFiles.LAYERS_CSV), layerColumns(cfg)), ResultFiles.LAYERS_CSV);
    }

    /** case_scores.csv with the checkpoints' parts in place of their rows. */
    private CsvTable caseScores() {
        return withParts(withReason(ResultFiles.CASE_SCORES_CSV, caseScoreColumns()), ResultFiles.CASE_SCORES_CSV);
    }

    /** The folder of the analysis's per-checkpoint parts, under the store's folder. */
    public static final String PARTS = "analysis-parts";

    private Path partDir(CheckpointId id) {
        return dir.resolve(PARTS).resolve(id.run()).resolve(String.format(java.util.Locale.ROOT, "step-%06d", id.step()));
    }

    /**
     * The committed parts (those with layers.csv, written last) by checkpoint, in run then step order;
     * a part whose columns are not {@code header}'s (left by other settings) is left out.
     */
    private Map<CheckpointId, Path> parts() {
        Map<CheckpointId, Path> out = new java.util.TreeMap<>(Comparator.comparing(CheckpointId::run).thenComparingInt(CheckpointId::step));
        Path root = dir.resolve(PARTS);
        if (!Files.isDirectory(root)) return out;
        try (var runs = Files.list(root)) {
            for (Path run : runs.filter(Files::isDirectory).toList()) {
                try (var steps = Files.list(run)) {
                    for (Path step : steps.filter(Files::isDirectory).toList()) {
                        String n = step.getFileName().toString();
                        if (!n.matches("step-\\d+") || !Files.isRegularFile(step.resolve(ResultFiles.LAYERS_CSV))) continue;
                        out.put(new CheckpointId(run.getFileName().toString(), Integer.parseInt(n.substring(5))), step);
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** {@code table} (the rows of the file {@code name}) with every committed part's rows in place of its checkpoint's, sorted by checkpoint. */
    private CsvTable withParts(CsvTable table, String name) {
        fold(table, name);
        return table;
    }

    /** Puts the committed parts' rows of file {@code name} in place of their checkpoints' rows of {@code table}; the parts folded. */
    private int fold(CsvTable table, String name) {
        Map<CheckpointId, Path> parts = parts();
        if (parts.isEmpty()) return 0;
        List<List<String>> added = new ArrayList<>();
        java.util.Set<CheckpointId> replaced = new java.util.HashSet<>();
        for (Map.Entry<CheckpointId, Path> e : parts.entrySet()) {
            Path f = e.getValue().resolve(name);
            if (!Files.isRegularFile(f)) continue;
            CsvTable part = CsvTable.read(f);
            if (!part.header().equals(table.header())) continue; // made with other settings: redone
            replaced.add(e.getKey());
            added.addAll(part.rows());
        }
        if (replaced.isEmpty()) return 0;
        table.removeIf(r -> replaced.contains(CheckpointId.of(r)));
        table.rows().addAll(added);
        sortByCheckpoint(table);
        return replaced.size();
    }

    /**
     * Stores one checkpoint's rows as its part: case_scores.csv, then layers.csv, which commits it
     * (a kill before leaves it to be redone). The tables themselves are written by
     * {@link #mergeAnalysis} and the combined columns of checkpoints.csv by {@link #refreshCombined},
     * once per run.
     */
    public synchronized void putAnalysis(CheckpointScores s, AnalysisConfig cfg, String settings) {
        CsvTable layers = new CsvTable(layerColumns(cfg));
        List<String> caseHeader = new ArrayList<>(caseScoreColumns());
        caseHeader.add(REASON);
        CsvTable cases = new CsvTable(caseHeader);
        CheckpointId id = s.checkpoint();
        List<String> models = modelColumns(cfg);
        for (SetScores set : s.sets()) {
            List<Object> key = List.of(id.run(), s.objective(), s.replicate(), id.step(), set.set());
            for (LayerScores l : set.layers()) layers.add(concat(key, l.cells(models), settings));
            for (CaseScores c : set.cases()) {
                List<Object> row = concat(key, c.cells(), settings);
                row.add(c.reason());
                cases.add(row);
            }
        }
        Path part = partDir(id);
        try {
            Files.deleteIfExists(part.resolve(ResultFiles.LAYERS_CSV)); // a part of an earlier analysis is uncommitted first
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cases.write(part.resolve(ResultFiles.CASE_SCORES_CSV));
        layers.write(part.resolve(ResultFiles.LAYERS_CSV));
    }

    /**
     * Folds the committed parts into case_scores.csv and then layers.csv (each written whole, sorted
     * by run and step) and removes the parts, each part's layers.csv first: a kill at any moment
     * leaves tables and parts that fold into the same tables again. A part left by other settings
     * (other columns) or never committed is removed.
     */
    public synchronized void mergeAnalysis(AnalysisConfig cfg) {
        Path root = dir.resolve(PARTS);
        if (!Files.isDirectory(root)) return;
        if (!parts().isEmpty()) {
            // the tables as they are, whatever their columns (analyze checks those after this)
            CsvTable layers = readOr(ResultFiles.LAYERS_CSV, layerColumns(cfg));
            List<String> caseHeader = new ArrayList<>(caseScoreColumns());
            caseHeader.add(REASON);
            CsvTable cases = readOr(ResultFiles.CASE_SCORES_CSV, caseHeader);
            int folded = fold(cases, ResultFiles.CASE_SCORES_CSV) + fold(layers, ResultFiles.LAYERS_CSV);
            if (folded > 0) {
                cases.write(file(ResultFiles.CASE_SCORES_CSV));
                layers.write(file(ResultFiles.LAYERS_CSV));
            }
        }
        try (var walk = Files.walk(root)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList(); // files before their folders
            for (Path p : all) if (p.getFileName().toString().equals(ResultFiles.LAYERS_CSV)) Files.deleteIfExists(p);
            for (Path p : all) Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Object> concat(List<Object> key, List<Object> cells, String settings) {
        List<Object> row = new ArrayList<>(key);
        row.addAll(cells);
        row.add(settings);
        return row;
    }

    /** Every analysed set's scores, read back from layers.csv and case_scores.csv (for a later stage, never within one run). */
    public synchronized Map<SetKey, SetScores> readAnalysis(AnalysisConfig cfg) {
        Map<SetKey, List<LayerScores>> layers = new LinkedHashMap<>();
        Map<SetKey, List<CaseScores>> cases = new LinkedHashMap<>();
        List<String> models = modelColumns(cfg);
        for (Map<String, String> r : layers(cfg).records()) layers.computeIfAbsent(SetKey.of(r), k -> new ArrayList<>()).add(LayerScores.fromRow(r, models));
        for (Map<String, String> r : caseScores().records()) cases.computeIfAbsent(SetKey.of(r), k -> new ArrayList<>()).add(CaseScores.fromRow(r));
        Map<SetKey, SetScores> out = new LinkedHashMap<>();
        for (SetKey k : layers.keySet()) out.put(k, new SetScores(k.set(), layers.get(k), cases.getOrDefault(k, List.of())));
        return out;
    }

    /** Whether case_scores.csv, when there is one, starts with this version's columns (a new score adds one). */
    public synchronized boolean caseScoresCurrent() {
        Path f = file(ResultFiles.CASE_SCORES_CSV);
        if (!Files.isRegularFile(f)) return true;
        List<String> header = CsvTable.read(f).header(), want = caseScoreColumns();
        return header.size() >= want.size() && header.subList(0, want.size()).equals(want);
    }

    private CsvTable readOr(String name, List<String> header) {
        return Files.isRegularFile(file(name)) ? CsvTable.read(file(name)) : new CsvTable(header);
    }

    /** Removes layers.csv, case_scores.csv and the parts (for {@code --recompute} with settings that change their columns). */
    public synchronized void clearAnalysis() {
        try {
            Files.deleteIfExists(file(ResultFiles.LAYERS_CSV));
            Files.deleteIfExists(file(ResultFiles.CASE_SCORES_CSV));
            Path root = dir.resolve(PARTS);
            if (Files.isDirectory(root)) {
                try (var walk = Files.walk(root)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Settings hash of each analysed set as layers.csv records it. */
    private Map<SetKey, String> settingsOf(AnalysisConfig cfg) {
        return analysed(cfg);
    }

    /**
     * Fills the combined columns of every analysed row of checkpoints.csv from the stored tables, with
     * the same aggregation as the analysis ({@link SetScores#combined}), so an evaluation run after the
     * analysis still gets them.
     */
    public synchronized void refreshCombined(AnalysisConfig cfg) {
        Map<SetKey, SetScores> all = readAnalysis(cfg);
        Map<SetKey, String> settings = settingsOf(cfg);
        Map<SetKey, Map<String, Double>> combined = new LinkedHashMap<>();
        for (Map.Entry<SetKey, SetScores> e : all.entrySet()) combined.put(e.getKey(), e.getValue().combined(cfg.layerWeights()));
        CsvTable t = CsvTable.readWithColumns(file(ResultFiles.CHECKPOINTS_CSV), ResultFiles.CHECKPOINT_COLUMNS, combinedColumns());
        Map<SetKey, String> reasons = new LinkedHashMap<>();
        for (Map.Entry<SetKey, SetScores> e : all.entrySet()) reasons.put(e.getKey(), e.getValue().divergence());
        writeValidation(cfg, combined, settings, reasons);
        if (t == null) return;
        boolean changed = t.header().size() != CsvTable.read(file(ResultFiles.CHECKPOINTS_CSV)).header().size();
        for (List<String> row : t.rows()) {
            SetKey k = SetKey.of(t.asMap(row));
            Map<String, Double> c = combined.get(k);
            if (c == null) continue;
            changed |= fill(t, row, c, settings.get(k));
        }
        if (changed) t.write(file(ResultFiles.CHECKPOINTS_CSV));
    }

    /** Columns of validation_scores.csv: the checkpoint, its set-level scores on the validation inputs, the settings hash, why NaN. */
    public static List<String> validationColumns() {
        List<String> c = new ArrayList<>(List.of("run", "objective", "replicate", "step"));
        c.addAll(combinedColumns());
        c.add(REASON);
        return c;
    }

    /** One row per checkpoint with its combined scores on the validation split (the seed's protocol reads them). */
    private void writeValidation(AnalysisConfig cfg, Map<SetKey, Map<String, Double>> combined, Map<SetKey, String> settings, Map<SetKey, String> reasons) {
        Map<CheckpointId, List<String>> who = new LinkedHashMap<>();
        for (Map<String, String> r : layers(cfg).records()) {
            if (r.get("query").equals(ResultFiles.VALIDATION)) who.putIfAbsent(CheckpointId.of(r), List.of(r.get("objective"), r.get("replicate")));
        }
        if (who.isEmpty()) return;
        CsvTable t = new CsvTable(validationColumns());
        for (Map.Entry<CheckpointId, List<String>> e : who.entrySet()) {
            SetKey k = new SetKey(e.getKey(), ResultFiles.VALIDATION);
            List<Object> row = new ArrayList<>(List.of(e.getKey().run(), e.getValue().get(0), e.getValue().get(1), e.getKey().step()));
            for (Score s : Scores.at(Score.Level.SET)) row.add(combined.get(k).getOrDefault(s.name(), Double.NaN));
            row.add(settings.getOrDefault(k, ""));
            row.add(reasons.getOrDefault(k, ""));
            t.add(row);
        }
        sortByCheckpoint(t);
        t.write(file(ResultFiles.VALIDATION_SCORES_CSV));
    }

    private static boolean fill(CsvTable t, List<String> row, Map<String, Double> combined, String settings) {
        boolean changed = false;
        for (Map.Entry<String, Double> e : combined.entrySet()) changed |= set(t, row, e.getKey(), CsvTable.num(e.getValue()));
        changed |= set(t, row, "analysis_settings", settings == null ? "" : settings);
        return changed;
    }

    private static boolean set(CsvTable t, List<String> row, String column, String value) {
        int i = t.column(column);
        if (value.equals(row.get(i))) return false;
        row.set(i, value);
        return true;
    }

    /** Stable sort of rows by run, then step as a number. */
    static void sortByCheckpoint(CsvTable t) {
        int r = t.column("run"), s = t.column("step");
        t.rows().sort(Comparator.<List<String>, String>comparing(row -> row.get(r)).thenComparingInt(row -> Integer.parseInt(row.get(s))));
    }

    // ---- evaluation tables ----------------------------------------------------------------------

    /** Evaluation settings hash of every (checkpoint, query set) in checkpoints.csv. */
    public synchronized Map<SetKey, String> evaluated() {
        Map<SetKey, String> done = new LinkedHashMap<>();
        CsvTable t = checkpoints();
        for (Map<String, String> r : t.records()) done.put(SetKey.of(r), r.get("settings"));
        return done;
    }

    private CsvTable checkpoints() {
        return withReason(ResultFiles.CHECKPOINTS_CSV, ResultFiles.CHECKPOINT_COLUMNS);
    }

    /** Why a row's values are NaN (a diverged checkpoint: {@link dev.unetscope.model.Divergence}); empty when they are defined. */
    static final String REASON = "reason";

    /**
     * A table with its fixed columns and a {@code reason} column (added, blank, to a table written
     * before there was one, so older experiments still resume); a new table when the file is missing.
     */
    private CsvTable withReason(String name, List<String> columns) {
        CsvTable found = CsvTable.readWithColumns(file(name), columns, List.of(REASON));
        if (found != null) return found;
        List<String> h = new ArrayList<>(columns);
        h.add(REASON);
        return new CsvTable(h);
    }

    /** One case's ground-truth overlap. */
    public record CaseOverlap(String query, String caseId, double iou, double dice, long predicted, long truth) implements java.io.Serializable {}

    /** One checkpoint's mean overlap on one query set. */
    public record SetOverlap(String query, int cases, double iou, double dice) implements java.io.Serializable {}

    /** {@link #putEvaluation(CheckpointId, String, int, double, double, List, List, String, String)} of one checkpoint's evaluation. */
    public void putEvaluation(CheckpointEvaluation e, String settings) {
        putEvaluation(e.checkpoint(), e.objective(), e.replicate(), e.epoch(), e.valIoU(), e.cases(), e.sets(), settings, e.reason());
    }

    /**
     * Replaces every evaluation row of this checkpoint (a partly evaluated checkpoint is redone whole,
     * so its rows come from one pass); the analysis columns of its new rows are filled from the stored
     * analysis when there is one. checkpoints.csv, which {@link #evaluated} reads, is written last: the
     * commit point.
     */
    public synchronized void putEvaluation(CheckpointId id, String objective, int replicate, double epoch, double valIoU,
                                           List<CaseOverlap> cases, List<SetOverlap> sets, String settings, String reason) {
        CsvTable caseTable = withReason(ResultFiles.CASES_CSV, ResultFiles.CASE_COLUMNS);
        CsvTable ck = checkpoints();
        caseTable.removeIf(r -> CheckpointId.of(r).equals(id));
        ck.removeIf(r -> CheckpointId.of(r).equals(id));
        for (CaseOverlap c : cases) {
            caseTable.add(List.of(id.run(), objective, replicate, id.step(), c.query(), c.caseId(), c.iou(), c.dice(), c.predicted(), c.truth(), settings,
                    reason));
        }
        int why = ck.column(REASON);
        for (SetOverlap s : sets) {
            List<Object> row = new ArrayList<>(List.of(id.run(), objective, replicate, id.step(), epoch, s.query(), s.cases(), s.iou(), s.dice(), valIoU,
                    settings));
            while (row.size() < ck.header().size()) row.add("");
            row.set(why, reason);
            ck.add(row);
        }
        // rows by checkpoint, so the files do not depend on which task finished first
        sortByCheckpoint(caseTable);
        sortByCheckpoint(ck);
        caseTable.write(file(ResultFiles.CASES_CSV));
        ck.write(file(ResultFiles.CHECKPOINTS_CSV));
    }

    /** Lowest and highest mean IoU in checkpoints.csv. */
    public synchronized double[] iouRange() {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (Map<String, String> r : checkpoints().records()) {
            double v = parse(r.get("iou"));
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new double[] {min, max};
    }

    public boolean exists(String name) {
        return Files.isRegularFile(file(name));
    }
}
