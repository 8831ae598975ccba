package dev.unetscope.report;

import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's scale, 4 objectives x 30 = 120 checkpoints, with 7 query sets of 200 cases, as synthetic result tables:
 * the report's figures stay bounded in number, the page (index.html and figures) stays under 5 MB, and the report
 * reads the per-case tables without holding them.
 */
class ReportScaleTest {
    @TempDir
    Path tmp;

    /**
     * Every checkpoint with every case (as analyze writes them): 120 checkpoints x 1400 case rows = 168,000 rows in each per-case
     * table (41 MB of CSV, synthetic: {@code bench report}), reported by a JVM whose heap is capped at 160 MB, less than the rows
     * take held as strings (the report that read the whole tables ran out of heap there): the report holds only the final
     * checkpoints' rows. The report's figures stay bounded in number and index.html with its figures under 5 MB.
     */
    @Test
    void aReportOf168000CaseRowsRunsInA160MBHeap() throws Exception {
        Path dir = tmp.resolve("bench");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx160m", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), "dev.unetscope.cli.Main",
                "bench", "report", "--checkpoints", "120", "--cases", "1400", "--out", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        System.out.print(out);
        assertThat(out).contains("168,000 rows");
        List<Path> figures;
        try (Stream<Path> st = Files.list(dir.resolve("report/figures"))) {
            figures = st.toList();
        }
        assertThat(figures.stream().filter(f -> f.getFileName().toString().startsWith("trajectory_"))).hasSize(4);
        assertThat(figures.stream().filter(f -> f.getFileName().toString().startsWith("layers_"))).hasSize(2);
        int bound = Report.MAX_STRIPS + Report.MAX_TRAJECTORY_FIGURES + Scores.at(Score.Level.SET).size() + 4 + 2 + 2 + 1;
        assertThat(figures.size()).as("figures").isLessThanOrEqualTo(bound).isLessThan(40);
        long bytes = Files.size(dir.resolve("report/index.html"));
        for (Path f : figures) bytes += Files.size(f);
        assertThat(bytes).as("bytes of index.html and figures").isLessThan(5_000_000L);
        String html = Files.readString(dir.resolve("report/index.html"));
        assertThat(html.split("<tr", -1).length - 1).as("table rows in the page").isLessThan(Report.MAX_CASE_ROWS + 200);
        assertThat(html).contains("rows with the lowest IoU");
        // the per-case table shows final-checkpoint rows only (step 3000 = 30 checkpoints x 100 per run)
        assertThat(html).contains("<td>3000</td>").doesNotContain("<td>2900</td>");
    }
}
