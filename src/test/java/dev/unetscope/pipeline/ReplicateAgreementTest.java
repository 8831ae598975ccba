package dev.unetscope.pipeline;

import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Agreement with the other seeds of the same objective, kept apart from agreement with every other run. */
class ReplicateAgreementTest {
    @TempDir
    Path tmp;

    @Test
    void replicatesAgreeWithEachOtherAndTheTablesAddUp() {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        assertThat(Main.execute("train", "--experiment", ex.toString(), "--objectives", "dice,bce", "--replicates", "2", "--steps", "3",
                "--checkpoints", "1", "--channels", "8,16,32", "--res-units", "1")).isZero();
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "100", "--mixture-k", "1", "--resamples", "20")).isZero();
        List<Map<String, String>> rows = CsvTable.read(ex.resolve("results/case_scores.csv")).records();
        List<String> runs = rows.stream().map(r -> r.get("run")).distinct().sorted().toList();
        assertThat(runs).hasSize(4);
        assertThat(rows).allSatisfy(r -> {
            assertThat(d(r, "replicate_agreement")).isBetween(0.0, 1.0);
            assertThat(r.get("reason")).isEmpty();
        });
        String d0 = run(rows, "dice", "0"), d1 = run(rows, "dice", "1"), b0 = run(rows, "bce", "0"), b1 = run(rows, "bce", "1");
        for (String q : List.of("test", "noisy", AnalyzeService.VALIDATION)) {
            for (String c : rows.stream().filter(r -> r.get("query").equals(q)).map(r -> r.get("case")).distinct().toList()) {
                // IoU is symmetric: the two dice seeds' final checkpoints (the only ones here) agree with each other equally
                double aD = d(row(rows, d0, q, c), "replicate_agreement"), aB = d(row(rows, b0, q, c), "replicate_agreement");
                assertThat(d(row(rows, d1, q, c), "replicate_agreement")).isEqualTo(aD);
                assertThat(d(row(rows, b1, q, c), "replicate_agreement")).isEqualTo(aB);
                // checkpoint_agreement is the mean over the 3 other runs: the dice runs' sum, less their agreement with each
                // other, is the sum of the four dice-bce agreements, and so is the bce runs'
                double dice = 3 * (d(row(rows, d0, q, c), "checkpoint_agreement") + d(row(rows, d1, q, c), "checkpoint_agreement")) - 2 * aD;
                double bce = 3 * (d(row(rows, b0, q, c), "checkpoint_agreement") + d(row(rows, b1, q, c), "checkpoint_agreement")) - 2 * aB;
                assertThat(dice).isCloseTo(bce, within(1e-9));
            }
        }
    }

    private static String run(List<Map<String, String>> rows, String objective, String replicate) {
        return rows.stream().filter(r -> r.get("objective").equals(objective) && r.get("replicate").equals(replicate)).findFirst().orElseThrow().get("run");
    }

    private static Map<String, String> row(List<Map<String, String>> rows, String run, String q, String c) {
        return rows.stream().filter(r -> r.get("run").equals(run) && r.get("query").equals(q) && r.get("case").equals(c)).findFirst().orElseThrow();
    }

    private static double d(Map<String, String> r, String k) {
        return Double.parseDouble(r.get(k));
    }
}
