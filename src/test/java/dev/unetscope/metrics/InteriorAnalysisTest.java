package dev.unetscope.metrics;

import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class InteriorAnalysisTest {
    @TempDir
    Path tmp;

    @Test
    void layersAndCombinedColumnsAndAnIndependentRecomputation() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        assertThat(Main.execute("train", "--experiment", ex.toString(), "--objectives", "dice", "--steps", "6", "--checkpoints", "2",
                "--channels", "8,16,32", "--res-units", "1")).isZero();
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        String[] analyze = {"analyze", "--experiment", ex.toString(), "--samples-per-case", "1500", "--mixture-k", "1,2"};
        assertThat(Main.execute(analyze)).isZero();

        CsvTable layers = CsvTable.read(ex.resolve("results/layers.csv"));
        assertThat(layers.rows()).hasSize(2 * 2 * 4); // checkpoints x {test, noisy} x {enc1 enc2 bottleneck dec2}
        List<Map<String, String>> noisy6 = layers.records().stream().filter(r -> r.get("step").equals("6") && r.get("query").equals("noisy")).toList();
        assertThat(noisy6).extracting(r -> r.get("layer")).containsExactly("enc1", "enc2", "bottleneck", "dec2");
        assertThat(noisy6).extracting(r -> r.get("input_layer")).containsExactly("image", "enc1", "enc2", "bottleneck");
        double meanC = 0;
        for (Map<String, String> r : noisy6) {
            double c = Double.parseDouble(r.get("confidence"));
            assertThat(c).isFinite();
            // c_l is the best of the per-model values
            assertThat(c).isEqualTo(Math.max(Math.max(d(r, "conf_diag_k1"), d(r, "conf_diag_k2")), Math.max(d(r, "conf_full_k1"), d(r, "conf_full_k2"))));
            assertThat(d(r, "roughness")).isPositive();
            assertThat(d(r, "roughness_reverse")).isPositive();
            meanC += c / noisy6.size();
        }
        CsvTable cks = CsvTable.read(ex.resolve("results/checkpoints.csv"));
        Map<String, String> row = cks.records().stream().filter(r -> r.get("step").equals("6") && r.get("query").equals("noisy")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(row.get("confidence"))).isCloseTo(meanC, within(1e-9));
        assertThat(row.get("iou")).isNotEmpty();

        // per-case scores: one row per checkpoint, query set and case; set means in checkpoints.csv
        CsvTable cs = CsvTable.read(ex.resolve("results/case_scores.csv"));
        List<Map<String, String>> noisyCases = cs.records().stream().filter(r -> r.get("step").equals("6") && r.get("query").equals("noisy")).toList();
        assertThat(noisyCases).isNotEmpty();
        double meanSoft = noisyCases.stream().mapToDouble(r -> d(r, "softmax_confidence")).average().orElseThrow();
        assertThat(d(row, "softmax_confidence")).isCloseTo(meanSoft, within(1e-9));
        for (Map<String, String> r : noisyCases) {
            assertThat(d(r, "tta_agreement")).isBetween(0.0, 1.0);
            assertThat(d(r, "mahalanobis")).isPositive();
            assertThat(d(r, "confidence")).isFinite();
            assertThat(r.get("checkpoint_agreement")).isEqualTo("NaN"); // one run only: no other checkpoint to agree with
        }

        // correlations, predictor and failure flags come with the analysis
        CsvTable corr = CsvTable.read(ex.resolve("results/correlations.csv"));
        Map<String, String> pearson = corr.records().stream()
                .filter(r -> r.get("score").equals("confidence") && r.get("scope").equals("all") && r.get("method").equals("pearson")).findFirst().orElseThrow();
        double[] x = cks.records().stream().mapToDouble(r -> d(r, "confidence")).toArray();
        double[] y = cks.records().stream().mapToDouble(r -> d(r, "iou")).toArray();
        assertThat(d(pearson, "value")).isCloseTo(dev.unetscope.analysis.Correlation.pearson(x, y).value(), within(1e-12));
        assertThat(corr.records().stream().anyMatch(r -> r.get("scope").equals("within"))).isTrue();
        CsvTable summary = CsvTable.read(ex.resolve("results/prediction_summary.csv"));
        assertThat(summary.records()).extracting(r -> r.get("scheme")).containsExactly("leave-one-objective-out", "leave-one-query-out");
        assertThat(summary.records().get(0).get("reason")).contains("at least 2"); // one objective only
        assertThat(ex.resolve("results/predictor.json")).exists();
        assertThat(CsvTable.read(ex.resolve("results/failure.csv")).rows()).isNotEmpty();

        // predict on new images without labels: the noisy query folder with its labels removed
        Path unlabelled = tmp.resolve("new");
        Files.createDirectories(unlabelled.resolve("images"));
        try (var files = Files.list(ex.resolve("data/query/noisy/imagesTr"))) {
            for (Path f : files.toList()) Files.copy(f, unlabelled.resolve("images").resolve(f.getFileName()));
        }
        assertThat(Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "dice", "--query", unlabelled.toString())).isZero();
        Files.createDirectories(tmp.resolve("empty/images"));
        assertThat(Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "dice", "--query", tmp.resolve("empty").toString())).isEqualTo(2);
        Files.delete(ex.resolve("results/predictor.json"));
        assertThat(Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "dice", "--query", unlabelled.toString())).isEqualTo(2);

        // resumable: nothing is recomputed
        byte[] before = Files.readAllBytes(ex.resolve("results/layers.csv"));
        assertThat(Main.execute(analyze)).isZero();
        assertThat(Files.readAllBytes(ex.resolve("results/layers.csv"))).isEqualTo(before);

        // a scientist recomputes db_labels and the k=1 full-covariance confidence from the exported files with scikit-learn
        Path fq = tmp.resolve("fq"), ft = tmp.resolve("ft");
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice:6", "--set", "noisy", "--out", fq.toString(),
                "--samples-per-case", "1500")).isZero();
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice:6", "--set", "train", "--out", ft.toString(),
                "--samples-per-case", "1500")).isZero();
        Path script = Path.of("src/test/resources/reference/recompute_metrics.py").toAbsolutePath();
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), ft.toString(), fq.toString(), "enc1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as(out).isZero();
        String[] v = out.split(" ");
        Map<String, String> enc2 = noisy6.get(0); // enc1
        assertThat(Double.parseDouble(enc2.get("db_labels"))).isCloseTo(Double.parseDouble(v[0]), within(1e-5 * Math.abs(Double.parseDouble(v[0]))));
        assertThat(d(enc2, "conf_full_k1")).isCloseTo(Double.parseDouble(v[1]), within(1e-3 * Math.abs(Double.parseDouble(v[1]))));
    }

    @Test
    void parallelJobsGiveTheSameTables() throws Exception {
        Path a = tmp.resolve("a");
        TinyExperiment.create(a, 8);
        assertThat(Main.execute("train", "--experiment", a.toString(), "--objectives", "dice,bce", "--steps", "4", "--checkpoints", "2",
                "--channels", "8,16,32", "--res-units", "1")).isZero();
        Path b = tmp.resolve("b");
        copyTree(a, b);
        String[] common = {"--samples-per-case", "300", "--mixture-k", "1,2", "--resamples", "100"};
        List<String> one = new java.util.ArrayList<>(List.of("analyze", "--experiment", a.toString(), "--jobs", "1"));
        one.addAll(List.of(common));
        List<String> two = new java.util.ArrayList<>(List.of("analyze", "--experiment", b.toString(), "--jobs", "2"));
        two.addAll(List.of(common));
        assertThat(Main.execute(one.toArray(String[]::new))).isZero();
        assertThat(Main.execute(two.toArray(String[]::new))).isZero();
        for (String f : List.of("results/layers.csv", "results/case_scores.csv")) {
            assertThat(Files.readString(b.resolve(f))).as(f).isEqualTo(Files.readString(a.resolve(f)));
        }
        assertThat(Main.execute("analyze", "--experiment", a.toString(), "--jobs", "0")).isEqualTo(2);

        // evaluated after the analysis: a second analyze fills the combined columns without recomputing
        assertThat(Main.execute("evaluate", "--experiment", a.toString())).isZero();
        byte[] layersBefore = Files.readAllBytes(a.resolve("results/layers.csv"));
        assertThat(Main.execute(one.toArray(String[]::new))).isZero();
        assertThat(Files.readAllBytes(a.resolve("results/layers.csv"))).isEqualTo(layersBefore);
        for (Map<String, String> r : CsvTable.read(a.resolve("results/checkpoints.csv")).records()) {
            assertThat(d(r, "confidence")).isFinite();
            assertThat(d(r, "softmax_confidence")).isFinite();
        }
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }

    @Test
    void analyzeWithoutCheckpointsOrWithBadSettingsIsExit2() {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 6);
        assertThat(Main.execute("analyze", "--experiment", ex.toString())).isEqualTo(2);
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "0")).isEqualTo(2);
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--families", "spherical")).isEqualTo(2);
    }

    private static double d(Map<String, String> r, String c) {
        return Double.parseDouble(r.get(c));
    }
}
