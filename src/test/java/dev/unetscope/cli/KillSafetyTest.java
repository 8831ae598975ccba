package dev.unetscope.cli;

import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.unetscope.cli.ChildCli.assertSame;
import static dev.unetscope.cli.ChildCli.copyTree;
import static dev.unetscope.cli.ChildCli.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every stage survives SIGKILL: the real CLI in a child JVM is killed at named points (halfway
 * through writing a table, just before a table's rename, i.e. between the files of one checkpoint)
 * and after a delay, the same command is run again, and the finished files are byte for byte those
 * of an uninterrupted run, with no leftover temporary file.
 */
class KillSafetyTest {
    @TempDir
    static Path tmp;

    /** The tiny experiment trained, then after each stage of an uninterrupted run. */
    static Path trained, evaluated, analysed;
    static Map<String, byte[]> afterEvaluate, afterAnalyze, features;

    static final String[] ANALYZE_OPTIONS = {"--samples-per-case", "40", "--mixture-k", "1,2", "--resamples", "100"};

    static String[] analyze(Path e) {
        String[] a = new String[2 + ANALYZE_OPTIONS.length];
        a[0] = "analyze";
        a[1] = "--experiment=" + e;
        System.arraycopy(ANALYZE_OPTIONS, 0, a, 2, ANALYZE_OPTIONS.length);
        return a;
    }

    static String[] features(Path e, Path out) {
        return new String[] {"features", "--experiment", e.toString(), "--checkpoint", "dice", "--set", "noisy", "--out", out.toString()};
    }

    @BeforeAll
    static void uninterrupted() throws Exception {
        trained = tmp.resolve("trained");
        TinyExperiment.create(trained, 8);
        TinyExperiment.trainTiny(trained, "dice", 4, 2);
        Path ref = tmp.resolve("ref");
        copyTree(trained, ref);
        assertThat(Main.execute("evaluate", "--experiment", ref.toString())).isZero();
        afterEvaluate = snapshot(ref.resolve("results"));
        evaluated = tmp.resolve("evaluated");
        copyTree(ref, evaluated);
        assertThat(Main.execute(analyze(ref))).isZero();
        afterAnalyze = snapshot(ref.resolve("results"));
        analysed = tmp.resolve("analysed");
        copyTree(ref, analysed);
        assertThat(Main.execute(features(ref, ref.resolve("npy")))).isZero();
        features = snapshot(ref.resolve("npy"));
    }

    @Test
    void evaluateKilledAnywhereEndsAsAnUninterruptedRun() throws Exception {
        Path e = tmp.resolve("evaluate");
        copyTree(trained, e);
        String[] cmd = {"evaluate", "--experiment", e.toString()};
        ChildCli.haltAt(tmp.resolve("evaluate-1.log"), "rename:checkpoints.csv#2", cmd); // the second checkpoint's cases.csv renamed, checkpoints.csv not yet
        assertThat(Main.execute(cmd)).isZero();
        assertSame(snapshot(e.resolve("results")), afterEvaluate, "results after a killed evaluate");
    }

    @Test
    void analyzeKilledAnywhereEndsAsAnUninterruptedRun() throws Exception {
        Path e = tmp.resolve("analyze");
        copyTree(evaluated, e);
        ChildCli.haltAt(tmp.resolve("analyze-1.log"), "write:layers.csv#2", analyze(e));     // the second checkpoint's commit point half written
        // a kill after a delay (in the correlate stage); meanwhile a reader (no lock) reads every table whole, again and again
        int[] reads = {0};
        ChildCli.killWhen(tmp.resolve("analyze-2.log"), "analysed dice", () -> reads[0] += readAllTables(e.resolve("results")), analyze(e));
        assertThat(reads[0]).as("tables read while the analysis wrote them").isPositive();
        ChildCli.haltAt(tmp.resolve("analyze-3.log"), "write:correlations.csv", analyze(e)); // the correlate stage
        assertThat(Main.execute(analyze(e))).isZero();
        assertSame(snapshot(e.resolve("results")), afterAnalyze, "results after a killed analyze");
    }

    /** Reads every CSV table in {@code dir} (a half row or half file would throw); returns how many were read. */
    static int readAllTables(Path dir) {
        int n = 0;
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".csv")).toList()) {
                try {
                    dev.unetscope.experiment.CsvTable.read(f);
                    n++;
                } catch (dev.unetscope.io.BadInputException ex) {
                    if (java.nio.file.Files.exists(f)) throw ex; // renamed away between list and read is fine; damaged is not
                }
            }
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        return n;
    }

    @Test
    void featuresAndReportKilledEndAsUninterruptedRuns() throws Exception {
        Path e = tmp.resolve("features");
        copyTree(analysed, e);
        Path out = e.resolve("npy");
        ChildCli.haltAt(tmp.resolve("features-1.log"), "write:positions.npy", features(e, out)); // the layers written, the positions half
        assertThat(Main.execute(features(e, out))).isZero();
        assertSame(snapshot(out), features, "features after a killed export");

        // the page names its experiment's folder: the uninterrupted report is made in the same one
        String[] rep = {"report", "--experiment", e.toString()};
        assertThat(Main.execute(rep)).isZero();
        Map<String, byte[]> report = snapshot(e.resolve("report"));
        ChildCli.deleteTree(e.resolve("report"));
        ChildCli.haltAt(tmp.resolve("report-1.log"), "rename:index.html", rep);
        assertThat(Main.execute(rep)).isZero();
        assertSame(snapshot(e.resolve("report")), report, "report after a killed report");
    }

    @Test
    void predictKilledBetweenItsTwoRenamesLosesNoPrediction() throws Exception {
        Path e = tmp.resolve("predict");
        copyTree(analysed, e);
        Path blind = TinyExperiment.unlabelledCopy(e.resolve("data/query/noisy"), tmp.resolve("blind"));
        String[] cmd = {"predict", "--experiment", e.toString(), "--checkpoint", "dice", "--query", blind.toString(), "--name", "p"};
        assertThat(Main.execute(cmd)).isZero();
        Path folder = e.resolve("predictions/p");
        Map<String, byte[]> first = snapshot(folder);
        first.remove("prediction.json"); // holds the time it was made
        // killed after the previous prediction was moved aside and before the new one was renamed in
        ChildCli.haltAt(tmp.resolve("predict-1.log"), "rename:p", cmd);
        assertThat(folder).as("the kill fell between the two renames").doesNotExist();
        try (var leftovers = java.nio.file.Files.list(e.resolve("predictions"))) {
            assertThat(leftovers.map(f -> f.getFileName().toString()).toList()).anyMatch(n -> n.startsWith(".p.old-")).anyMatch(n -> n.startsWith(".p.partial-"));
        }
        // the next predict puts the previous one back, then replaces it whole; nothing hidden is left
        assertThat(Main.execute(cmd)).isZero();
        Map<String, byte[]> again = snapshot(folder);
        again.remove("prediction.json");
        assertSame(again, first, "prediction after a killed predict");
        try (var left = java.nio.file.Files.list(e.resolve("predictions"))) {
            assertThat(left.map(f -> f.getFileName().toString()).toList()).containsExactly("p");
        }
    }
}
