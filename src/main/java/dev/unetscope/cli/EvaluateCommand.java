package dev.unetscope.cli;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** Ground-truth IoU and Dice of every checkpoint on every query set (for evaluating the predictors only). */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure every checkpoint's IoU and Dice on the test split and each query set (results/cases.csv, results/checkpoints.csv); resumable.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--query", paramLabel = "NAME=DATASET", description = "Add a labelled query set (a dataset folder); repeatable. Default: the experiment's query sets.")
    List<String> extra = new ArrayList<>();

    @Override
    public Integer call() {
        Experiment exp = Experiment.open(experiment);
        Map<String, ExperimentData.Query> queries = new LinkedHashMap<>(ExperimentData.queries(exp));
        if (!extra.isEmpty()) {
            Map<String, Object> section = new LinkedHashMap<>();
            exp.section("queries").fields().forEachRemaining(f -> section.put(f.getKey(), f.getValue()));
            for (String q : extra) {
                int eq = q.indexOf('=');
                if (eq <= 0) throw new BadInputException("--query " + q + " is not NAME=DATASET_DIR", "e.g. --query hospitalB=/data/hospitalB");
                String name = q.substring(0, eq);
                Path dir = Path.of(q.substring(eq + 1)).toAbsolutePath();
                if (!Files.isDirectory(dir)) throw new BadInputException(dir, "query dataset folder does not exist", "give a dataset folder");
                queries.put(name, new ExperimentData.Query(name, dir, null));
                section.put(name, Map.of("path", dir.toString()));
            }
            exp.putSection("queries", section);
        }
        run(exp, queries);
        return 0;
    }

    static void run(Experiment exp, Map<String, ExperimentData.Query> queries) {
        long t0 = System.nanoTime();
        Evaluation.Summary s = new Evaluation(exp, queries).run();
        System.out.printf("evaluated %d checkpoint(s) (%d already done) on %d query sets in %.0f s; IoU ranges %.3f to %.3f%n",
                s.evaluated(), s.skipped(), queries.size(), (System.nanoTime() - t0) / 1e9, s.minIoU(), s.maxIoU());
    }

    /** Prints mean IoU per checkpoint (rows) and query set (columns). */
    static void printTable(Experiment exp) {
        CsvTable t = CsvTable.read(exp.resultsDir().resolve(Evaluation.CHECKPOINTS_CSV));
        TreeSet<String> queries = new TreeSet<>();
        Map<String, Map<String, String>> rows = new TreeMap<>();
        List<String> order = new ArrayList<>();
        for (Map<String, String> r : t.records()) {
            String key = String.format("%-10s %6s", r.get("run"), r.get("step"));
            if (!rows.containsKey(key)) order.add(key);
            rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(r.get("query"), r.get("iou"));
            queries.add(r.get("query"));
        }
        List<String> qs = new ArrayList<>(queries);
        qs.remove("test");
        qs.add(0, "test");
        StringBuilder h = new StringBuilder(String.format("%-10s %6s", "run", "step"));
        for (String q : qs) h.append(String.format(" %12s", q.length() > 12 ? q.substring(0, 12) : q));
        System.out.println(h);
        for (String key : order) {
            StringBuilder sb = new StringBuilder(key);
            for (String q : qs) {
                String v = rows.get(key).get(q);
                sb.append(v == null ? String.format(" %12s", "-") : String.format(" %12.3f", Double.parseDouble(v)));
            }
            System.out.println(sb);
        }
    }
}
