package dev.unetscope.pipeline;

import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.model.TorchScriptFixtures;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Imported TorchScript runs go through evaluate, analyze and report like trained ones: a MONAI-topology
 * run (3 checkpoints) and an nnU-Net-style run with an anisotropic first stride (3 checkpoints), on the
 * 32 x 32 x 8 phantoms; db_labels of an imported checkpoint recomputed with scikit-learn from the
 * exported features matches layers.csv.
 */
class TorchScriptRunTest {
    @TempDir
    Path tmp;

    @Test
    void importedRunsGoThroughEveryStage() throws Exception {
        Path fx = TorchScriptFixtures.shared();
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        for (String kind : List.of("monai", "nnunet")) {
            assertThat(Main.execute("import", "--experiment", ex.toString(), "--run", kind, "--objective", kind,
                    "--model", fx.resolve(kind + "-1.pt").toString(), "--model", fx.resolve(kind + "-2.pt").toString(),
                    "--model", fx.resolve(kind + "-3.pt").toString(), "--steps", "10,20,30")).isZero();
        }
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "400", "--resamples", "50")).isZero();
        assertThat(Main.execute("report", "--experiment", ex.toString())).isZero();

        CsvTable cks = CsvTable.read(ex.resolve("results/checkpoints.csv"));
        assertThat(cks.records()).extracting(r -> r.get("run")).contains("monai", "nnunet");
        assertThat(cks.records().stream().filter(r -> r.get("run").equals("nnunet")).map(r -> r.get("step")).distinct()).containsExactly("10", "20", "30");
        // imported checkpoints get their validation IoU from evaluate (the seed protocol's labelled reference)
        try (var net = dev.unetscope.train.CheckpointRef.resolve(dev.unetscope.experiment.Experiment.open(ex), "nnunet:20").open()) {
            double want = dev.unetscope.train.BatchInference.meanIoU(net,
                    dev.unetscope.data.ExperimentData.split(dev.unetscope.experiment.Experiment.open(ex), "val"));
            assertThat(cks.records().stream().filter(r -> r.get("run").equals("nnunet") && r.get("step").equals("20"))
                    .mapToDouble(r -> Double.parseDouble(r.get("val_iou")))).allSatisfy(v -> assertThat(v).isCloseTo(want, within(1e-12)));
        }
        CsvTable layers = CsvTable.read(ex.resolve("results/layers.csv"));
        List<Map<String, String>> nn = layers.records().stream().filter(r -> r.get("run").equals("nnunet") && r.get("step").equals("30")
                && r.get("query").equals("noisy")).toList();
        assertThat(nn).extracting(r -> r.get("layer")).containsExactly("stage0", "stage1", "bottleneck", "dec1", "dec0");
        List<Map<String, String>> mo = layers.records().stream().filter(r -> r.get("run").equals("monai") && r.get("step").equals("30")
                && r.get("query").equals("noisy")).toList();
        assertThat(mo).extracting(r -> r.get("layer")).containsExactly("enc1", "enc2", "bottleneck", "dec2");
        assertThat(Files.readString(ex.resolve("report/index.html"))).contains("nnunet").contains("stage1");
        // only imported runs: named as such, and no training run asked for
        assertThat(Files.readString(ex.resolve("report/index.html"))).contains("2 imported runs (TorchScript files trained elsewhere")
                .doesNotContain("training.csv (run 'unetscope train')").doesNotContain("training runs:");
        assertThat(Files.readString(ex.resolve("report/index.html"))).containsPattern("<li>nnunet: exported with torch 1\\.[0-9.a-z+]+; normalisation [^;]+; spacing [^;]+; taps stage0, stage1, bottleneck, dec1, dec0</li>");

        // scikit-learn's db_labels from the exported features of the anisotropic network's checkpoint
        Path fq = tmp.resolve("fq"), ft = tmp.resolve("ft");
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "nnunet:30", "--set", "noisy", "--out", fq.toString())).isZero();
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "nnunet:30", "--set", "train", "--out", ft.toString())).isZero();
        List<Map<String, String>> checked = nn.stream().filter(r -> Double.isFinite(Double.parseDouble(r.get("db_labels")))).toList();
        assertThat(checked).extracting(r -> r.get("layer")).contains("stage1", "bottleneck"); // the anisotropic layers
        for (Map<String, String> r : checked) {
            String[] v = AnalyzeServiceTest.python("recompute_metrics.py", ft.toString(), fq.toString(), r.get("layer"), r.get("input_layer"), "8");
            double want = Double.parseDouble(v[0]);
            assertThat(Double.parseDouble(r.get("db_labels"))).as("db_labels " + r.get("layer")).isCloseTo(want, within(1e-4 * Math.abs(want)));
        }
    }

    @Test
    void nonFiniteOutputsGiveNaNScoresWithAReasonAndTheRunGoesOn() throws Exception {
        Path fx = TorchScriptFixtures.shared();
        Path ex = tmp.resolve("nan");
        TinyExperiment.create(ex, 6);
        assertThat(Main.execute("import", "--experiment", ex.toString(), "--run", "good", "--model", fx.resolve("monai-1.pt").toString())).isZero();
        assertThat(Main.execute("import", "--experiment", ex.toString(), "--run", "broken", "--model", fx.resolve("nan.pt").toString())).isZero();
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "200", "--resamples", "50")).isZero();
        CsvTable layers = CsvTable.read(ex.resolve("results/layers.csv"));
        List<Map<String, String>> broken = layers.records().stream().filter(r -> r.get("run").equals("broken")).toList();
        assertThat(broken).isNotEmpty().allSatisfy(r -> {
            assertThat(Double.parseDouble(r.get("confidence"))).isNaN();
            assertThat(r.get("reason")).isNotBlank();
        });
        assertThat(layers.records().stream().filter(r -> r.get("run").equals("good"))
                .anyMatch(r -> Double.isFinite(Double.parseDouble(r.get("confidence"))))).isTrue();
        // the report is written; the broken checkpoint's feature strips are listed as missing, the good one's drawn
        assertThat(Main.execute("report", "--experiment", ex.toString())).isZero();
        assertThat(Files.readString(ex.resolve("report/index.html"))).contains("feature strips of broken step 1: NaN in features");
        try (var f = Files.list(ex.resolve("report/figures"))) {
            assertThat(f.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("strip_good_1_test_"));
        }
    }
}
