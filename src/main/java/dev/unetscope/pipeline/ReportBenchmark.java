package dev.unetscope.pipeline;

import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The report at the seed's scale without training anything: synthetic results tables of {@code checkpoints} checkpoints
 * (spread over {@code runs} runs) with {@code cases} case rows each (spread over {@code sets} query sets; 120 x 7000 =
 * 840,000 rows in cases.csv and case_scores.csv, every case-level score of the registry a column), then the report
 * stage on them, timed, with the heap it peaked at. There are no checkpoints on disk, so no strips and no viewer: this
 * measures what the report does with tables.
 */
public final class ReportBenchmark {
    private ReportBenchmark() {}

    /**
     * @param peakHeapBytes the most heap in use during the report (garbage not yet collected included: compare it with -Xmx)
     * @param pageBytes     index.html and its figures
     */
    public record Result(int checkpoints, int casesPerCheckpoint, long caseRows, long tableBytes, double tableSeconds, double reportSeconds,
                         long peakHeapBytes, long maxHeapBytes, int figures, long pageBytes, int tableRows) {
        public String format() {
            return String.format(Locale.ROOT, "report benchmark: %d checkpoints x %d case rows = %,d rows in cases.csv and case_scores.csv (%.1f MB of tables, written in %.1f s)%n"
                            + "  report %.1f s, peak heap in use %.0f MB (max heap %.0f MB), %d figures, index.html and figures %.2f MB, %d table rows in the page%n",
                    checkpoints, casesPerCheckpoint, caseRows, tableBytes / 1e6, tableSeconds, reportSeconds, peakHeapBytes / 1e6, maxHeapBytes / 1e6, figures,
                    pageBytes / 1e6, tableRows);
        }
    }

    /** Writes the tables into a new experiment at {@code dir} (which must not exist) and runs the report on it. */
    public static Result run(Path dir, int checkpoints, int cases, int runs, int sets, long seed, Progress progress) throws Exception {
        Experiment e = Experiment.openOrCreate(dir);
        long t0 = System.nanoTime();
        long rows = writeTables(e, checkpoints, cases, runs, sets, seed);
        double tables = (System.nanoTime() - t0) / 1e9;
        long tableBytes = 0;
        for (String n : List.of(ResultFiles.CHECKPOINTS_CSV, ResultFiles.LAYERS_CSV, ResultFiles.CASES_CSV, ResultFiles.CASE_SCORES_CSV)) {
            tableBytes += Files.size(e.resultsDir().resolve(n));
        }
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long t1 = System.nanoTime();
        ReportService.Result r = new ReportService().run(e, new ReportService.Settings(3), progress);
        double seconds = (System.nanoTime() - t1) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean p : heap) peak += p.getPeakUsage().getUsed();
        int figures;
        long page = Files.size(r.index());
        try (Stream<Path> s = Files.list(e.reportDir().resolve("figures"))) {
            List<Path> l = s.toList();
            figures = l.size();
            for (Path f : l) page += Files.size(f);
        }
        String html = Files.readString(r.index());
        int tableRows = html.split("<tr", -1).length - 1;
        return new Result(checkpoints, cases, rows, tableBytes, tables, seconds, peak, Runtime.getRuntime().maxMemory(), figures, page, tableRows);
    }

    /** The four tables, streamed to disk row by row (the benchmark must not hold them either); returns the case rows. */
    static long writeTables(Experiment e, int checkpoints, int cases, int runs, int sets, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> setScores = Scores.names(Scores.at(Score.Level.SET));
        List<String> caseScores = Scores.names(Scores.at(Score.Level.CASE));
        List<String> layers = List.of("enc1", "enc2", "enc3", "enc4", "bottleneck", "dec4", "dec3", "dec2");
        List<String> runNames = new ArrayList<>(), setNames = new ArrayList<>();
        for (int i = 0; i < runs; i++) runNames.add(List.of("dice", "bce", "focal", "tversky").get(i % 4) + (i < 4 ? "" : "_" + i / 4));
        for (int i = 0; i < sets; i++) setNames.add(i == 0 ? "test" : "shift" + i);
        int perSet = Math.max(1, cases / sets);
        Path res = e.resultsDir();
        long rows = 0;
        // a checkpoint's scores wander along training (a random walk per run, set and column), as real curves do: random
        // jumps at every step would make the line charts' PNGs far larger than any experiment's
        java.util.Map<String, double[]> walks = new java.util.HashMap<>();
        try {
            Files.createDirectories(res);
            try (BufferedWriter ck = table(res, ResultFiles.CHECKPOINTS_CSV, header(List.of("run", "objective", "replicate", "step", "query", "iou"), setScores));
                 BufferedWriter ly = table(res, ResultFiles.LAYERS_CSV, List.of("run", "objective", "replicate", "step", "query", "layer", "confidence", "roughness"));
                 BufferedWriter cs = table(res, ResultFiles.CASES_CSV, List.of("run", "objective", "replicate", "step", "query", "case", "iou"));
                 BufferedWriter sc = table(res, ResultFiles.CASE_SCORES_CSV, header(List.of("run", "objective", "replicate", "step", "query", "case"), caseScores))) {
                for (int k = 0; k < checkpoints; k++) {
                    String run = runNames.get(k % runs);
                    int step = 100 * (k / runs + 1);
                    for (String q : setNames) {
                        String key = run + "," + run + ",0," + step + "," + q;
                        walk(ck, key, walks.computeIfAbsent(run + "|" + q, x -> start(rnd, 1 + setScores.size())), rnd);
                        for (String l : layers) walk(ly, key + "," + l, walks.computeIfAbsent(run + "|" + q + "|" + l, x -> start(rnd, 2)), rnd);
                        for (int c = 0; c < perSet; c++) {
                            String id = String.format(Locale.ROOT, "case_%05d", c);
                            line(cs, key + "," + id, rnd, 1);
                            line(sc, key + "," + id, rnd, caseScores.size());
                            rows++;
                        }
                    }
                }
            }
            // each table whole under its name only once written
            for (String n : List.of(ResultFiles.CHECKPOINTS_CSV, ResultFiles.LAYERS_CSV, ResultFiles.CASES_CSV, ResultFiles.CASE_SCORES_CSV)) {
                Files.move(res.resolve("." + n + ".tmp"), res.resolve(n), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return rows;
    }

    private static List<String> header(List<String> first, List<String> rest) {
        List<String> h = new ArrayList<>(first);
        h.addAll(rest);
        return h;
    }

    private static BufferedWriter table(Path dir, String name, List<String> header) throws IOException {
        BufferedWriter w = Files.newBufferedWriter(dir.resolve("." + name + ".tmp"), StandardCharsets.UTF_8);
        w.write(String.join(",", header));
        w.write('\n');
        return w;
    }

    private static double[] start(SplittableRandom rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = 0.2 + 0.6 * rnd.nextDouble();
        return v;
    }

    /** One row of the walk's next values (each moves by N(0, 0.03), reflected into 0..1). */
    private static void walk(BufferedWriter w, String key, double[] v, SplittableRandom rnd) throws IOException {
        w.write(key);
        for (int i = 0; i < v.length; i++) {
            double x = Math.abs(v[i] + 0.03 * rnd.nextGaussian());
            v[i] = x > 1 ? 2 - x : x;
            w.write(',');
            w.write(CsvTable.num(Math.round(v[i] * 1e6) / 1e6));
        }
        w.write('\n');
    }

    private static void line(BufferedWriter w, String key, SplittableRandom rnd, int values) throws IOException {
        w.write(key);
        for (int i = 0; i < values; i++) {
            w.write(',');
            w.write(CsvTable.num(Math.round(rnd.nextDouble() * 1e6) / 1e6));
        }
        w.write('\n');
    }
}
