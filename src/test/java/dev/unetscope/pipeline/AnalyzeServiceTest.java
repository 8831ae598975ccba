package dev.unetscope.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AnalyzeServiceTest {
    @TempDir
    Path tmp;

    /** Taps of the tiny network (channels 8-16-32) in network order, and the layer each one's roughness clusters. */
    static final List<String> LAYERS = TapsOfTinyNet.LAYERS;
    static final List<String> INPUTS = TapsOfTinyNet.INPUTS;

    @Test
    void layersCombinedColumnsAndAnIndependentRecomputation() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice", 6, 2);
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        String[] analyze = {"analyze", "--experiment", ex.toString(), "--samples-per-case", "1500", "--mixture-k", "1,2"};
        assertThat(Main.execute(analyze)).isZero();

        CsvTable layers = CsvTable.read(ex.resolve("results/layers.csv"));
        // checkpoints x {test, noisy, and the validation split} x layers
        assertThat(layers.rows()).hasSize(2 * 3 * LAYERS.size());
        assertThat(layers.records().stream().filter(r -> r.get("query").equals(AnalyzeService.VALIDATION)).count()).isEqualTo(2L * LAYERS.size());
        List<Map<String, String>> noisy6 = layers.records().stream().filter(r -> r.get("step").equals("6") && r.get("query").equals("noisy")).toList();
        assertThat(noisy6).extracting(r -> r.get("layer")).containsExactlyElementsOf(LAYERS);
        assertThat(noisy6).extracting(r -> r.get("input_layer")).containsExactlyElementsOf(INPUTS);
        String hash = SettingsHash.of(AnalyzeService.recorded(Experiment.open(ex)));
        assertThat(layers.records()).allSatisfy(r -> assertThat(r.get("settings")).isEqualTo(hash));
        double meanC = 0;
        for (Map<String, String> r : noisy6) {
            double c = d(r, "confidence");
            assertThat(c).isFinite();
            // c_l is the best of the per-model values
            assertThat(c).isEqualTo(Math.max(Math.max(d(r, "conf_diag_k1"), d(r, "conf_diag_k2")), Math.max(d(r, "conf_full_k1"), d(r, "conf_full_k2"))));
            meanC += c / noisy6.size();
        }
        CsvTable cks = CsvTable.read(ex.resolve("results/checkpoints.csv"));
        Map<String, String> row = cks.records().stream().filter(r -> r.get("step").equals("6") && r.get("query").equals("noisy")).findFirst().orElseThrow();
        assertThat(d(row, "confidence")).isCloseTo(meanC, within(1e-9));
        assertThat(row.get("analysis_settings")).isEqualTo(hash);
        double meanRough = noisy6.stream().mapToDouble(r -> d(r, "roughness")).average().orElseThrow();
        assertThat(d(row, "roughness")).isCloseTo(meanRough, within(1e-9));

        // per-case scores: one row per checkpoint, set and case; set means in checkpoints.csv
        CsvTable cs = CsvTable.read(ex.resolve("results/case_scores.csv"));
        List<Map<String, String>> noisyCases = cs.records().stream().filter(r -> r.get("step").equals("6") && r.get("query").equals("noisy")).toList();
        assertThat(noisyCases).hasSize(dev.unetscope.data.Splits.read(Experiment.open(ex)).test().size());
        double meanSoft = noisyCases.stream().mapToDouble(r -> d(r, "softmax_confidence")).average().orElseThrow();
        assertThat(d(row, "softmax_confidence")).isCloseTo(meanSoft, within(1e-9));
        for (Map<String, String> r : noisyCases) {
            assertThat(d(r, "tta_agreement")).isBetween(0.0, 1.0);
            assertThat(d(r, "mahalanobis")).isPositive();
            assertThat(r.get("checkpoint_agreement")).isEqualTo("NaN"); // one run only: no other checkpoint to agree with
            assertThat(r.get("replicate_agreement")).isEqualTo("NaN");
            assertThat(r.get("reason")).isEqualTo("replicate_agreement: no other replicate of dice prepared the same way");
            assertThat(d(r, "atc_iou")).isBetween(0.0, 1.0);
            assertThat(d(r, "entropy_foreground")).isBetween(0.0, 1.0);
            assertThat(d(r, "entropy_patch_max")).isBetween(d(r, "entropy") - 1e-12, 1.0); // the worst patch is at least the mean
        }
        // the feature distances: per layer in layers.csv, combined as the mean over layers, and per case the mean over
        // layers of the case's mean (every case has the same number of points, so the cases' mean is the set's value)
        for (String score : List.of("mahalanobis_pca", "knn_distance", "mahalanobis_pooled")) {
            double overLayers = noisy6.stream().mapToDouble(r -> d(r, score)).average().orElseThrow();
            assertThat(noisy6).allSatisfy(r -> assertThat(d(r, score)).as(score + " " + r.get("layer")).isPositive());
            assertThat(d(row, score)).as(score).isCloseTo(overLayers, within(1e-9));
            assertThat(noisyCases.stream().mapToDouble(r -> d(r, score)).average().orElseThrow()).as(score).isCloseTo(overLayers, within(1e-9));
        }

        // correlations, predictor and failure flags come with the analysis
        CsvTable corr = CsvTable.read(ex.resolve("results/correlations.csv"));
        Map<String, String> pearson = corr.records().stream()
                .filter(r -> r.get("score").equals("confidence") && r.get("scope").equals("all") && r.get("method").equals("pearson")).findFirst().orElseThrow();
        double[] x = cks.records().stream().mapToDouble(r -> d(r, "confidence")).toArray();
        double[] y = cks.records().stream().mapToDouble(r -> d(r, "iou")).toArray();
        assertThat(d(pearson, "value")).isCloseTo(dev.unetscope.analysis.Correlation.pearson(x, y).value(), within(1e-12));
        // the seed's protocol: confidence on the validation inputs against test IoU, one point per checkpoint
        CsvTable val = CsvTable.read(ex.resolve("results/validation_scores.csv"));
        assertThat(val.rows()).hasSize(2);
        List<Map<String, String>> valLayers = layers.records().stream().filter(r -> r.get("query").equals(AnalyzeService.VALIDATION)
                && r.get("step").equals("6")).toList();
        // ATC's threshold is fitted so that its mean estimate on the validation split meets the validation IoU from above
        for (Map<String, String> v : val.records()) {
            double valIoU = cks.records().stream().filter(r -> r.get("step").equals(v.get("step"))).mapToDouble(r -> d(r, "val_iou")).findFirst().orElseThrow();
            assertThat(d(v, "atc_iou")).isLessThanOrEqualTo(valIoU + 1e-9).isCloseTo(valIoU, within(0.02));
        }
        assertThat(d(val.records().get(1), "confidence")).isCloseTo(valLayers.stream().mapToDouble(r -> d(r, "confidence")).average().orElseThrow(),
                within(1e-9));
        Map<String, String> seed = corr.records().stream().filter(r -> r.get("score").equals("confidence") && r.get("scope").equals("seed-protocol")
                && r.get("method").equals("pearson")).findFirst().orElseThrow();
        assertThat(seed.get("n")).isEqualTo("2");
        assertThat(seed.get("reason")).isNotEmpty(); // two checkpoints are too few for a correlation: NaN with its reason
        assertThat(corr.records().stream().anyMatch(r -> r.get("score").equals("val_iou") && r.get("scope").equals("seed-protocol"))).isTrue();
        assertThat(corr.records().stream().anyMatch(r -> r.get("score").equals("c_enc1") && r.get("scope").equals("seed-protocol-gap"))).isTrue();
        CsvTable summary = CsvTable.read(ex.resolve("results/prediction_summary.csv"));
        assertThat(summary.records()).extracting(r -> r.get("scheme")).containsExactly("leave-one-objective-out", "leave-one-query-out");
        assertThat(summary.records().get(0).get("reason")).contains("at least 2"); // one objective only
        // the comparison with the seed's scores comes with the correlations: one row per set-level score, the predictor on three
        // input sets (the default one's numbers as prediction_summary.csv's), and every layer's per-layer scores on the labelled pairs
        CsvTable comparison = CsvTable.read(ex.resolve("results/" + dev.unetscope.experiment.ResultFiles.SCORE_COMPARISON_CSV));
        assertThat(comparison.records()).extracting(r -> r.get("score"))
                .containsExactlyElementsOf(dev.unetscope.metrics.Scores.names(dev.unetscope.metrics.Scores.at(dev.unetscope.metrics.Score.Level.SET)));
        Map<String, String> confRow = comparison.records().get(0);
        assertThat(confRow.get("r")).isEqualTo(pearson.get("value"));
        CsvTable variants = CsvTable.read(ex.resolve("results/" + dev.unetscope.experiment.ResultFiles.PREDICTOR_COMPARISON_CSV));
        assertThat(variants.rows()).hasSize(12);
        Map<String, String> defaultQuery = variants.records().stream().filter(r -> r.get("variant").equals("seed+first-release") && r.get("rows").equals("all")
                && r.get("scheme").equals("leave-one-query-out")).findFirst().orElseThrow();
        assertThat(defaultQuery.get("mae")).isEqualTo(summary.records().get(1).get("mae"));
        CsvTable signal = CsvTable.read(ex.resolve("results/" + dev.unetscope.experiment.ResultFiles.LAYER_SIGNAL_CSV));
        assertThat(signal.rows()).hasSize(LAYERS.size() * dev.unetscope.metrics.Scores.at(dev.unetscope.metrics.Score.Level.LAYER).size());
        // 2 checkpoints x {test, noisy}; fewer where a layer's value is undefined (db_labels where the gland does not survive downsampling)
        assertThat(signal.records()).allSatisfy(r -> assertThat(Integer.parseInt(r.get("n"))).isBetween(0, 4));
        assertThat(signal.records().stream().filter(r -> r.get("score").equals("confidence"))).allSatisfy(r -> assertThat(r.get("n")).isEqualTo("4"));

        // predict on new images without labels (the noisy query images, labels removed): the same images give the
        // analysis's own scores, and the predicted IoU is predictor.json applied by hand to the scores predict reports
        Path unlabelled = tmp.resolve("new");
        TinyExperiment.unlabelledCopy(ex.resolve("data/query/noisy"), unlabelled);
        Experiment e = Experiment.open(ex);
        PredictService.Result pr = new PredictService().run(e, new PredictService.Settings("dice", unlabelled, 0), Progress.NONE);
        for (String score : List.of("confidence", "roughness", "softmax_confidence", "entropy", "tta_agreement", "mahalanobis", "mahalanobis_pca",
                "knn_distance", "mahalanobis_pooled")) {
            assertThat(pr.values().get(score)).as(score).isCloseTo(d(row, score), within(1e-9 * Math.max(1, Math.abs(d(row, score)))));
        }
        JsonNode p = new ObjectMapper().readTree(ex.resolve("results/predictor.json").toFile());
        assertThat(p.path("analysisHash").asText()).isEqualTo(hash);
        assertThat(p.path("versions").path("pytorch").asText()).isNotEmpty();
        double byHand = p.path("intercept").asDouble();
        for (int j = 0; j < p.path("kept").size(); j++) {
            String name = p.path("inputs").get(p.path("kept").get(j).asInt()).asText();
            byHand += p.path("coefficients").get(j).asDouble() * (pr.values().get(name) - p.path("means").get(j).asDouble()) / p.path("sds").get(j).asDouble();
        }
        assertThat(pr.prediction().value()).isCloseTo(byHand, within(1e-9));
        // the interval: jackknife+ over the query sets the predictor was fitted on, recomputed from predictor.json
        assertThat(p.path("conformal").path("grouping").asText()).isEqualTo("query");
        double[] bounds = dev.unetscope.analysis.ConformalByHand.bounds(p, pr.values()::get);
        assertThat(pr.prediction().lo()).isCloseTo(bounds[0], within(1e-9));
        assertThat(pr.prediction().hi()).isCloseTo(bounds[1], within(1e-9));
        assertThat(Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "dice", "--query", unlabelled.toString())).isZero();
        Files.createDirectories(tmp.resolve("empty/images"));
        assertThat(Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "dice", "--query", tmp.resolve("empty").toString())).isEqualTo(2);

        // resumable: nothing is recomputed, and options not given keep the recorded settings
        byte[] before = Files.readAllBytes(ex.resolve("results/layers.csv"));
        assertThat(Main.execute("analyze", "--experiment", ex.toString())).isZero();
        assertThat(Files.readAllBytes(ex.resolve("results/layers.csv"))).isEqualTo(before);

        // a scientist recomputes db_labels, the k=1 full-covariance confidence and roughness with scikit-learn from the
        // files 'features' exports with no options: they reproduce layers.csv
        Path fq = tmp.resolve("fq"), ft = tmp.resolve("ft");
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice:6", "--set", "noisy", "--out", fq.toString())).isZero();
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice:6", "--set", "train", "--out", ft.toString())).isZero();
        // every layer where the gland survives the layer's downsampling as a label (db_labels defined)
        List<Map<String, String>> checked = noisy6.stream().filter(r -> Double.isFinite(d(r, "db_labels"))).toList();
        assertThat(checked).hasSizeGreaterThanOrEqualTo(2);
        for (Map<String, String> r : checked) {
            String[] v = python("recompute_metrics.py", ft.toString(), fq.toString(), r.get("layer"), r.get("input_layer"), "8");
            assertThat(d(r, "db_labels")).as("db_labels " + r.get("layer")).isCloseTo(Double.parseDouble(v[0]), within(1e-4 * Math.abs(Double.parseDouble(v[0]))));
            assertThat(d(r, "conf_full_k1")).as("confidence " + r.get("layer")).isCloseTo(Double.parseDouble(v[1]), within(1e-4 * Math.abs(Double.parseDouble(v[1]))));
            assertThat(Double.parseDouble(v[3])).as("k-means clusters of " + r.get("input_layer") + " are converged: sklearn keeps every point").isEqualTo(1.0);
            assertThat(d(r, "roughness")).as("roughness " + r.get("layer")).isCloseTo(Double.parseDouble(v[2]), within(1e-4 * Math.abs(Double.parseDouble(v[2]))));
            // and a good optimum: within 5 % of the inertia of scikit-learn's best of 20 starts
            assertThat(Double.parseDouble(v[4])).as("inertia ratio " + r.get("input_layer")).isLessThan(1.05);
            // the feature distances: PCA + EmpiricalCovariance, and NearestNeighbors on the same seeded reference rows
            assertThat(d(r, "mahalanobis_pca")).as("mahalanobis_pca " + r.get("layer")).isCloseTo(Double.parseDouble(v[5]), within(1e-6 * Double.parseDouble(v[5])));
            assertThat(d(r, "knn_distance")).as("knn_distance " + r.get("layer")).isCloseTo(Double.parseDouble(v[6]), within(1e-6 * Double.parseDouble(v[6])));
            assertThat(d(r, "mahalanobis_pooled")).as("mahalanobis_pooled " + r.get("layer")).isCloseTo(Double.parseDouble(v[7]),
                    within(1e-6 * Double.parseDouble(v[7])));
        }
    }

    @Test
    void otherSettingsAreRefusedOrRecomputed() throws Exception {
        Path ex = tmp.resolve("s");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice", 2, 1);
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "200", "--mixture-k", "1", "--resamples", "50")).isZero();
        byte[] layers = Files.readAllBytes(ex.resolve("results/layers.csv")), cases = Files.readAllBytes(ex.resolve("results/case_scores.csv"));
        byte[] config = Files.readAllBytes(ex.resolve("experiment.json"));

        // other settings: one line naming the setting, exit 2, nothing changed
        var err = new java.io.ByteArrayOutputStream();
        var old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int code;
        try {
            code = Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "300");
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().trim()).contains("samplesPerCase 200 recorded, 300 requested").contains("--recompute").doesNotContain("\n");
        assertThat(Files.readAllBytes(ex.resolve("results/layers.csv"))).isEqualTo(layers);
        assertThat(Files.readAllBytes(ex.resolve("results/case_scores.csv"))).isEqualTo(cases);
        assertThat(Files.readAllBytes(ex.resolve("experiment.json"))).isEqualTo(config);

        // --recompute redoes the rows with the new settings
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "300", "--recompute", "--resamples", "50")).isZero();
        AnalysisConfig now = AnalyzeService.recorded(Experiment.open(ex));
        assertThat(now.samplesPerCase()).isEqualTo(300);
        assertThat(now.mixtureKs()).containsExactly(1); // kept from the recorded settings
        CsvTable t = CsvTable.read(ex.resolve("results/layers.csv"));
        var splits = dev.unetscope.data.Splits.read(Experiment.open(ex));
        assertThat(t.records()).allSatisfy(r -> {
            assertThat(r.get("settings")).isEqualTo(SettingsHash.of(now));
            int n = r.get("query").equals(AnalyzeService.VALIDATION) ? splits.val().size() : splits.test().size();
            assertThat(Integer.parseInt(r.get("points"))).isEqualTo(300 * n);
        });
        // a different K changes the table's columns: --recompute starts it afresh
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--mixture-k", "1,2")).isEqualTo(2);
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--mixture-k", "1,2", "--recompute", "--resamples", "50")).isZero();
        assertThat(CsvTable.read(ex.resolve("results/layers.csv")).header()).contains("conf_full_k2");

        // predict refuses when the experiment's recorded settings are not the predictor's
        Path unlabelled = tmp.resolve("new");
        TinyExperiment.unlabelledCopy(ex.resolve("data/query/noisy"), unlabelled);
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(ex.resolve("experiment.json").toFile());
        ((ObjectNode) cfg.get("analysis")).put("samplesPerCase", 500);
        Files.write(ex.resolve("experiment.json"), m.writeValueAsBytes(cfg));
        assertThat(Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "dice", "--query", unlabelled.toString())).isEqualTo(2);

        // evaluation rows carry their settings too: another preprocessing is refused, then redone with --recompute
        ((ObjectNode) cfg.get("analysis")).put("samplesPerCase", 300);
        ((ObjectNode) cfg.get("preprocessing")).put("clip", 4.0);
        Files.write(ex.resolve("experiment.json"), m.writeValueAsBytes(cfg));
        byte[] ck = Files.readAllBytes(ex.resolve("results/cases.csv"));
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isEqualTo(2);
        assertThat(Files.readAllBytes(ex.resolve("results/cases.csv"))).isEqualTo(ck);
        assertThat(Main.execute("evaluate", "--experiment", ex.toString(), "--recompute")).isZero();
        String evalHash = SettingsHash.of(EvaluateService.settings(Experiment.open(ex)));
        assertThat(CsvTable.read(ex.resolve("results/cases.csv")).records()).allSatisfy(r -> assertThat(r.get("settings")).isEqualTo(evalHash));
    }

    @Test
    void parallelJobsGiveTheSameTables() throws Exception {
        Path a = tmp.resolve("a");
        TinyExperiment.create(a, 8);
        TinyExperiment.trainTiny(a, "dice,bce", 4, 2);
        Path b = tmp.resolve("b");
        copyTree(a, b);
        String[] common = {"--samples-per-case", "300", "--mixture-k", "1,2", "--resamples", "100"};
        List<String> one = new ArrayList<>(List.of("analyze", "--experiment", a.toString(), "--jobs", "1"));
        one.addAll(List.of(common));
        List<String> two = new ArrayList<>(List.of("analyze", "--experiment", b.toString(), "--jobs", "2"));
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
        CsvTable cks = CsvTable.read(a.resolve("results/checkpoints.csv"));
        for (Map<String, String> r : cks.records()) {
            assertThat(d(r, "confidence")).isFinite();
            assertThat(d(r, "softmax_confidence")).isFinite();
        }

        // the seed's protocol over the 4 checkpoints: each score on the validation inputs against the test IoU
        CsvTable val = CsvTable.read(a.resolve("results/validation_scores.csv"));
        assertThat(val.rows()).hasSize(4);
        CsvTable corr = CsvTable.read(a.resolve("results/correlations.csv"));
        for (String score : List.of("confidence", "roughness", "softmax_confidence")) {
            double[] x = val.records().stream().mapToDouble(r -> d(r, score)).toArray();
            double[] y = val.records().stream().mapToDouble(v -> testIoU(cks, v)).toArray();
            Map<String, String> seed = corr.records().stream().filter(r -> r.get("score").equals(score) && r.get("scope").equals("seed-protocol")
                    && r.get("method").equals("pearson")).findFirst().orElseThrow();
            assertThat(seed.get("n")).isEqualTo("4");
            assertThat(d(seed, "value")).as(score).isCloseTo(dev.unetscope.analysis.Correlation.pearson(x, y).value(), within(1e-12));
        }
        // validation IoU, the labelled reference, from the manifests via checkpoints.csv
        double[] vx = val.records().stream().mapToDouble(v -> cks.records().stream().filter(r -> r.get("query").equals("test")
                && r.get("run").equals(v.get("run")) && r.get("step").equals(v.get("step"))).mapToDouble(r -> d(r, "val_iou")).findFirst().orElseThrow()).toArray();
        double[] ty = val.records().stream().mapToDouble(v -> testIoU(cks, v)).toArray();
        Map<String, String> ref = corr.records().stream().filter(r -> r.get("score").equals("val_iou") && r.get("scope").equals("seed-protocol")
                && r.get("method").equals("pearson")).findFirst().orElseThrow();
        assertThat(d(ref, "value")).isCloseTo(dev.unetscope.analysis.Correlation.pearson(vx, ty).value(), within(1e-12));
        // and per objective: 2 checkpoints each
        assertThat(corr.records().stream().filter(r -> r.get("scope").equals("seed-protocol-objective") && r.get("score").equals("confidence")
                && r.get("method").equals("pearson")).map(r -> r.get("subset")).toList()).containsExactlyInAnyOrder("dice", "bce");
    }

    private static double testIoU(CsvTable cks, Map<String, String> v) {
        return cks.records().stream().filter(r -> r.get("query").equals("test") && r.get("run").equals(v.get("run")) && r.get("step").equals(v.get("step")))
                .mapToDouble(r -> d(r, "iou")).findFirst().orElseThrow();
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

    /** Runs a reference script with Debian's Python; a missing interpreter or package fails the test. */
    static String[] python(String script, String... args) throws Exception {
        assertThat(Files.isExecutable(Path.of("/usr/bin/python3"))).as("/usr/bin/python3 with numpy and scikit-learn").isTrue();
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", Path.of("src/test/resources/reference", script).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as(out).isZero();
        return out.split(" ");
    }

    private static double d(Map<String, String> r, String c) {
        return Double.parseDouble(r.get(c));
    }
}
