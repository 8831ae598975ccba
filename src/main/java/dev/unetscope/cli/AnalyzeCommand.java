package dev.unetscope.cli;

import dev.unetscope.analysis.GeneralizationStudy;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.InteriorAnalysis;
import dev.unetscope.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The seed's interior-feature metrics for every checkpoint and query set. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Compute db_labels, roughness, roughness_reverse and confidence per checkpoint, query set and layer (results/layers.csv) "
                + "and their combination (columns of results/checkpoints.csv); resumable.")
final class AnalyzeCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--samples-per-case", defaultValue = "2000", description = "Receptive-field positions per case (default ${DEFAULT-VALUE}).")
    int samplesPerCase;

    @Option(names = "--stratify", description = "Draw half the positions inside each checkpoint's predicted mask (label-free).")
    boolean stratify;

    @Option(names = "--roughness-k", defaultValue = "8", description = "k-means clusters for roughness (default ${DEFAULT-VALUE}).")
    int roughnessK;

    @Option(names = "--mixture-k", split = ",", defaultValue = "1,2,4,8", description = "Mixture components K for confidence (default ${DEFAULT-VALUE}).")
    List<Integer> mixtureKs;

    @Option(names = "--families", split = ",", defaultValue = "diag,full", description = "Mixture families M (default ${DEFAULT-VALUE}).")
    List<String> families;

    @Option(names = "--layer-weight", paramLabel = "LAYER=W", description = "Weight of a layer in the combined confidence (default 1 each); repeatable.")
    Map<String, Double> weights = new LinkedHashMap<>();

    @Option(names = "--seed", defaultValue = "1", description = "Seed of positions, k-means and mixtures (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--jobs", defaultValue = "1", description = "Checkpoints analysed in parallel, capped by the heap (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--resamples", defaultValue = "2000", description = "Bootstrap resamples of checkpoints for the intervals (default ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--failure-threshold", defaultValue = "0.7", description = "A case with IoU below this has failed (default ${DEFAULT-VALUE}).")
    double failureThreshold;

    @Override
    public Integer call() {
        Experiment exp = Experiment.open(experiment);
        if (jobs < 1) throw new dev.unetscope.io.BadInputException("--jobs " + jobs + " must be at least 1", null);
        run(exp, new AnalysisConfig(samplesPerCase, seed, stratify, roughnessK, mixtureKs, families, weights, seed), jobs);
        study(exp, resamples, seed, failureThreshold);
        return 0;
    }

    static void run(Experiment exp, AnalysisConfig cfg) {
        run(exp, cfg, 1);
    }

    static void run(Experiment exp, AnalysisConfig cfg, int jobs) {
        exp.putSection("analysis", cfg);
        long t0 = System.nanoTime();
        InteriorAnalysis.Summary s = new InteriorAnalysis(exp, cfg, ExperimentData.queries(exp)).run(jobs);
        System.out.printf("analysed %d checkpoint(s) (%d already done) in %.0f s%n", s.analysed(), s.skipped(), (System.nanoTime() - t0) / 1e9);
    }

    /** Correlations, the IoU predictor and failure flags, when ground-truth IoU is there; prints the table sorted by |r|. */
    static void study(Experiment exp, int resamples, long seed, double threshold) {
        if (!java.nio.file.Files.isRegularFile(exp.resultsDir().resolve(Evaluation.CHECKPOINTS_CSV))) {
            System.out.println("no results/checkpoints.csv: run 'unetscope evaluate' for correlations with test IoU");
            return;
        }
        if (resamples < 0) throw new dev.unetscope.io.BadInputException("--resamples " + resamples + " must be 0 or more", null);
        GeneralizationStudy.Result r = new GeneralizationStudy(exp, resamples, seed, threshold).run();
        printCorrelations(r.correlations());
        System.out.println();
        for (Map<String, String> row : r.summary().records()) {
            System.out.printf("IoU predictor (ridge on the label-free scores), %s: mean absolute error %s, interval coverage %s (%s folds)%s%n",
                    row.get("scheme"), f(row.get("mae")), f(row.get("coverage")), row.get("folds"),
                    row.get("reason").isEmpty() ? "" : " - " + row.get("reason"));
        }
    }

    static void printCorrelations(CsvTable corr) {
        List<Map<String, String>> pop = new ArrayList<>();
        Map<String, Map<String, String>> within = new LinkedHashMap<>();
        for (Map<String, String> r : corr.records()) {
            if (r.get("scope").equals("all") && r.get("method").equals("pearson")) pop.add(r);
            if (r.get("scope").equals("within") && r.get("method").startsWith("pearson")) within.put(r.get("score"), r);
        }
        pop.sort((a, b) -> Double.compare(abs(b.get("value")), abs(a.get("value"))));
        System.out.printf("%ncorrelation with test IoU over (checkpoint, query set) pairs, sorted by |r| (results/correlations.csv)%n");
        System.out.printf("%-22s %5s %8s %19s %10s %14s%n", "score", "n", "r", "95% interval", "p", "r within ckpt");
        for (Map<String, String> r : pop) {
            Map<String, String> w = within.get(r.get("score"));
            System.out.printf("%-22s %5s %8s %19s %10s %14s%n", r.get("score"), r.get("n"), f(r.get("value")),
                    "[" + f(r.get("lo")) + ", " + f(r.get("hi")) + "]", p(r.get("p")), w == null ? "-" : f(w.get("value")));
        }
    }

    private static double abs(String v) {
        double d = v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
        return Double.isNaN(d) ? -1 : Math.abs(d);
    }

    private static String p(String v) {
        if (v == null || v.isEmpty()) return "-";
        double d = Double.parseDouble(v);
        return Double.isNaN(d) ? "NaN" : String.format("%.2g", d);
    }

    /** Per query set: each checkpoint's IoU beside confidence, roughness and db_labels. */
    static void printTable(Experiment exp) {
        CsvTable t = CsvTable.read(exp.resultsDir().resolve(Evaluation.CHECKPOINTS_CSV));
        if (!t.header().contains("confidence")) return;
        Map<String, List<Map<String, String>>> byQuery = new LinkedHashMap<>();
        for (Map<String, String> r : t.records()) byQuery.computeIfAbsent(r.get("query"), k -> new ArrayList<>()).add(r);
        for (Map.Entry<String, List<Map<String, String>>> e : byQuery.entrySet()) {
            System.out.printf("%n%s%n%-10s %6s %7s %11s %10s %10s%n", e.getKey(), "run", "step", "IoU", "confidence", "roughness", "db_labels");
            for (Map<String, String> r : e.getValue()) {
                System.out.printf("%-10s %6s %7s %11s %10s %10s%n", r.get("run"), r.get("step"), f(r.get("iou")), f(r.get("confidence")),
                        f(r.get("roughness")), f(r.get("db_labels")));
            }
        }
    }

    private static String f(String v) {
        if (v == null || v.isEmpty()) return "-";
        double d = Double.parseDouble(v);
        return Double.isNaN(d) ? "NaN" : String.format("%.3f", d);
    }
}
