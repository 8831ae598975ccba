package dev.unetscope.report;

import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's scale, 4 objectives x 30 = 120 checkpoints and 1000 cases per query set, as synthetic result tables:
 * the report's figures stay bounded in number and the page (index.html and figures) stays under 5 MB.
 */
class ReportScaleTest {
    @TempDir
    Path tmp;

    static final List<String> RUNS = List.of("dice", "bce", "focal", "tversky");
    static final List<String> SETS = List.of("test", "noisy");
    static final List<String> LAYERS = List.of("enc1", "enc2", "enc3", "enc4", "bottleneck", "dec4", "dec3", "dec2");
    static final int STEPS = 30, CASES = 1000;

    @Test
    void aReportOf120CheckpointsAnd1000CasesHasABoundedNumberOfFiguresAndStaysUnder5MB() throws Exception {
        Experiment e = TinyExperiment.create(tmp.resolve("e"), 6);
        SplittableRandom rnd = new SplittableRandom(3);
        List<String> setScores = Scores.names(Scores.at(Score.Level.SET));
        List<String> ckHeader = new ArrayList<>(List.of("run", "objective", "replicate", "step", "query", "iou"));
        ckHeader.addAll(setScores);
        CsvTable ck = new CsvTable(ckHeader);
        CsvTable layers = new CsvTable(List.of("run", "objective", "replicate", "step", "query", "layer", "confidence", "roughness"));
        CsvTable cases = new CsvTable(List.of("run", "objective", "replicate", "step", "query", "case", "iou"));
        CsvTable caseScores = new CsvTable(List.of("run", "objective", "replicate", "step", "query", "case", "confidence", "entropy"));
        for (String run : RUNS) {
            for (int s = 1; s <= STEPS; s++) {
                for (String q : SETS) {
                    List<Object> row = new ArrayList<>(List.of(run, run, 0, s * 100, q, rnd.nextDouble()));
                    for (int k = 0; k < setScores.size(); k++) row.add(rnd.nextDouble());
                    ck.add(row);
                    for (String l : LAYERS) layers.add(List.of(run, run, 0, s * 100, q, l, rnd.nextDouble(), rnd.nextDouble()));
                    // every case at each run's final checkpoint (what the page's per-case table and the case choice read); a few elsewhere
                    for (int c = 0; c < (s == STEPS ? CASES : 10); c++) {
                        String id = String.format("case_%04d", c);
                        cases.add(List.of(run, run, 0, s * 100, q, id, rnd.nextDouble()));
                        caseScores.add(List.of(run, run, 0, s * 100, q, id, rnd.nextDouble(), rnd.nextDouble()));
                    }
                }
            }
        }
        ck.write(e.resultsDir().resolve(ResultFiles.CHECKPOINTS_CSV));
        layers.write(e.resultsDir().resolve(ResultFiles.LAYERS_CSV));
        cases.write(e.resultsDir().resolve(ResultFiles.CASES_CSV));
        caseScores.write(e.resultsDir().resolve(ResultFiles.CASE_SCORES_CSV));

        long t0 = System.nanoTime();
        assertThat(Main.execute("report", "--experiment", e.root().toString())).isZero();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Path report = e.reportDir();
        List<Path> figures;
        try (Stream<Path> s = Files.list(report.resolve("figures"))) {
            figures = s.toList();
        }
        // per objective one trajectory figure; one scatter per set-level score; the two per-layer small multiples
        assertThat(figures.stream().filter(p -> p.getFileName().toString().startsWith("trajectory_"))).hasSize(RUNS.size());
        assertThat(figures.stream().filter(p -> p.getFileName().toString().startsWith("layers_"))).hasSize(2);
        int bound = Report.MAX_STRIPS + Report.MAX_TRAJECTORY_FIGURES + Scores.at(Score.Level.SET).size() + 4 + 2 + 2 + 1;
        assertThat(figures.size()).as("figures").isLessThanOrEqualTo(bound).isLessThan(40);
        long bytes = Files.size(report.resolve("index.html"));
        for (Path f : figures) bytes += Files.size(f);
        assertThat(bytes).as("bytes of index.html and figures").isLessThan(5_000_000L);
        String html = Files.readString(report.resolve("index.html"));
        int rows = html.split("<tr", -1).length - 1;
        assertThat(rows).as("table rows in the page").isLessThan(Report.MAX_CASE_ROWS + 200);
        assertThat(html).contains("rows with the lowest IoU");
        System.out.printf("report of %d checkpoints x %d cases: %.1f s, %d figures, %d bytes%n", RUNS.size() * STEPS, CASES, seconds, figures.size(), bytes);
    }
}
