package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.io.BadInputException;
import dev.unetscope.io.ProcessCpu;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Where one checkpoint's analysis spends its time: the work {@code analyze} does once per run
 * (preparing the sets, the final checkpoints' predictions for checkpoint agreement), then the
 * checkpoint's own analysis timed by phase ({@link PhaseTimes}), repeated, and the rewrite of the
 * results tables it triggers, done on copies in a temporary folder. The experiment is only read.
 */
public final class AnalysisBenchmark {
    private AnalysisBenchmark() {}

    /**
     * @param once           seconds of the work done once per analyze run
     * @param phases         seconds of each phase of one checkpoint's analysis in the median repeat
     * @param analysis       seconds of each repeat's whole analysis call
     * @param csvSeconds     seconds of the results tables' work of a whole run of {@code checkpoints} ({@link #csvSeconds})
     */
    public record Result(String checkpoint, int sets, int cases, Map<String, Double> once, Map<String, Double> phases, Map<String, Long> calls,
                         double[] analysis, double[] analysisCpu, int checkpoints, double csvSeconds) {
        /** Seconds of the median repeat (the lower of the middle two for an even count). */
        public double medianAnalysis() {
            double[] s = analysis.clone();
            Arrays.sort(s);
            return s[(s.length - 1) / 2];
        }

        public String format() {
            StringBuilder sb = new StringBuilder();
            double total = medianAnalysis();
            sb.append(String.format(Locale.ROOT, "analysis benchmark: checkpoint %s, %d sets, %d cases, %d repeat(s); seconds per repeat:", checkpoint, sets, cases,
                    analysis.length));
            for (double a : analysis) sb.append(String.format(Locale.ROOT, " %.2f", a));
            sb.append("; process CPU seconds per repeat:");
            for (double a : analysisCpu) sb.append(String.format(Locale.ROOT, " %.2f", a));
            sb.append(String.format(Locale.ROOT, "%nonce per analyze run%n"));
            for (Map.Entry<String, Double> e : once.entrySet()) sb.append(String.format(Locale.ROOT, "  %-56s %8.3f s%n", e.getKey(), e.getValue()));
            sb.append(String.format(Locale.ROOT, "per checkpoint (the median repeat)                       seconds  share  calls%n"));
            double sum = 0;
            for (Map.Entry<String, Double> e : phases.entrySet()) {
                sum += e.getValue();
                sb.append(String.format(Locale.ROOT, "  %-56s %8.3f %5.1f%% %6d%n", e.getKey(), e.getValue(), 100 * e.getValue() / total, calls.get(e.getKey())));
            }
            sb.append(String.format(Locale.ROOT, "  %-56s %8.3f %5.1f%%%n", "other (untimed)", total - sum, 100 * (total - sum) / total));
            sb.append(String.format(Locale.ROOT, "  %-56s %8.3f%n", "analysis of the checkpoint", total));
            sb.append(String.format(Locale.ROOT, "  %-56s %8.3f%n", "CSV tables of a whole run (" + checkpoints + " checkpoints)", csvSeconds));
            return sb.toString();
        }
    }

    /** Analyses checkpoint {@code id} (RUN:STEP) of {@code exp} {@code repeats} times with the recorded analysis settings. */
    public static Result run(Experiment exp, String id, int repeats, Progress progress) {
        if (repeats < 1) throw new BadInputException("--repeats " + repeats + " must be at least 1", null);
        AnalysisConfig recorded = AnalyzeService.recorded(exp);
        AnalysisConfig cfg = recorded == null ? AnalysisConfig.defaults() : recorded;
        CheckpointRef ref = CheckpointRef.resolve(exp, id);
        Map<String, ExperimentData.Query> queries = ExperimentData.queries(exp);
        List<String> setNames = new ArrayList<>(queries.keySet());
        setNames.add(AnalyzeService.VALIDATION);
        PreparedSets prepared = new PreparedSets(exp, queries);
        Map<String, Double> once = new LinkedHashMap<>();

        long t0 = System.nanoTime();
        var prep = prepared.of(ref);
        PreparedSet train = prepared.split(prep, "train");
        Function<String, PreparedSet> sets = prepared.sets(ref);
        int cases = 0;
        for (String q : setNames) cases += sets.apply(q).size();
        once.put("load and prepare the training split and sets", (System.nanoTime() - t0) / 1e9);
        progress.info("sets prepared: " + setNames.size() + " sets, " + cases + " cases, " + train.size() + " training cases");

        t0 = System.nanoTime();
        List<CheckpointRef> finals = CheckpointStore.all(exp).stream().map(m -> CheckpointRef.last(exp, m)).toList();
        Map<String, CheckpointAnalysis.Reference> references = CheckpointAnalysis.references(finals, setNames, prepared::sets, prepared::of);
        once.put("agreement references (" + finals.size() + " final checkpoints' inference)", (System.nanoTime() - t0) / 1e9);

        List<Map<String, Double>> runs = new ArrayList<>();
        Map<String, Long> calls = null;
        double[] analysis = new double[repeats];
        double[] analysisCpu = new double[repeats];
        CheckpointScores scores = null;
        for (int r = 0; r < repeats; r++) {
            PhaseTimes phases = PhaseTimes.recording();
            long c0 = ProcessCpu.nanos();
            t0 = System.nanoTime();
            scores = new CheckpointAnalysis(cfg, phases).analyse(ref, prep, train, setNames, sets, references);
            analysis[r] = (System.nanoTime() - t0) / 1e9;
            analysisCpu[r] = (ProcessCpu.nanos() - c0) / 1e9;
            runs.add(phases.seconds());
            if (calls == null) calls = phases.calls();
            progress.info(String.format(Locale.ROOT, "repeat %d: %.2f s, process CPU %.2f s", r + 1, analysis[r], analysisCpu[r]));
        }
        // the phases of the median repeat, so that they add up to its total
        int mid = 0;
        for (int r = 0; r < repeats; r++) if (analysis[r] == lowerMedian(analysis)) mid = r;
        Map<String, Double> medians = runs.get(mid);
        double csv = csvSeconds(exp, scores, cfg, AnalyzeService.hash(cfg, ref.ownSettings(exp)));
        return new Result(ref.id().toString(), setNames.size(), cases, once, medians, calls, analysis, analysisCpu, CheckpointRef.all(exp).size(), csv);
    }

    /**
     * The results tables' work of a whole analyze run, timed: the checkpoint's rows stored as each of
     * the experiment's checkpoints in turn (as analyze stores each one's), into a temporary folder
     * holding a copy of checkpoints.csv, then the end of the run (the combined columns).
     */
    private static double csvSeconds(Experiment exp, CheckpointScores scores, AnalysisConfig cfg, String settings) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("unetscope-bench-analyze");
            Path src = exp.resultsDir().resolve(ResultFiles.CHECKPOINTS_CSV);
            if (Files.isRegularFile(src)) Files.copy(src, tmp.resolve(ResultFiles.CHECKPOINTS_CSV), StandardCopyOption.REPLACE_EXISTING);
            ResultsStore store = new ResultsStore(tmp);
            long t0 = System.nanoTime();
            for (CheckpointRef r : CheckpointRef.all(exp)) {
                store.putAnalysis(new CheckpointScores(r.id(), r.manifest().objective(), r.manifest().replicate(), scores.sets()), cfg, settings);
            }
            store.mergeAnalysis(cfg);
            store.refreshCombined(cfg);
            return (System.nanoTime() - t0) / 1e9;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }


    static double lowerMedian(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(s.length - 1) / 2];
    }
}
