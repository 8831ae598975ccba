package dev.unetscope.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.analysis.CasePrediction;
import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import dev.unetscope.train.TinyExperiment;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * predict on new scans, per case and per checkpoint: an unlabelled copy of a labelled query set gets exactly the
 * per-case scores analyze wrote for the same images, each case's predicted IoU is the per-case predictor applied to
 * them, the checkpoints are ranked; bad input is refused in one line with nothing written.
 */
class PredictServiceTest {
    @TempDir
    Path tmp;

    @Test
    void everyCaseScoredAndEveryCheckpointRankedOnAnUnlabelledCopy() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice,focal", 4, 2);
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "200", "--mixture-k", "1", "--resamples", "50")).isZero();
        // analyze fits the per-case predictor and evaluates it leave-one-objective-out and leave-one-query-set-out, and the checkpoint ranking
        // leave-one-query-set-out
        CsvTable caseSummary = CsvTable.read(ex.resolve("results/case_prediction_summary.csv"));
        assertThat(caseSummary.records()).extracting(r -> r.get("scheme")).containsExactly("leave-one-objective-out", "leave-one-query-out");
        assertThat(Double.parseDouble(caseSummary.records().get(0).get("mae"))).isFinite();
        CsvTable ranking = CsvTable.read(ex.resolve("results/checkpoint_ranking.csv"));
        assertThat(ranking.records()).extracting(r -> r.get("query")).containsExactlyInAnyOrder("test", "noisy");
        for (Map<String, String> r : ranking.records()) {
            assertThat(Double.parseDouble(r.get("regret"))).isCloseTo(Double.parseDouble(r.get("best_iou")) - Double.parseDouble(r.get("pick_iou")), within(1e-12));
        }

        Path blind = TinyExperiment.unlabelledCopy(ex.resolve("data/query/noisy"), tmp.resolve("blind"));
        String out = outOf(() -> Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "all", "--query", blind.toString()), 0);
        assertThat(out).contains("which checkpoint to deploy").contains("which scans to review");
        Path folder = ex.resolve("predictions/blind");
        CsvTable cases = CsvTable.read(folder.resolve("cases.csv"));
        CsvTable scores = CsvTable.read(ex.resolve("results/case_scores.csv"));
        int n = (int) scores.records().stream().filter(r -> r.get("query").equals("noisy") && r.get("step").equals(scores.records().get(0).get("step"))
                && r.get("run").equals("dice")).count();
        assertThat(cases.rows()).hasSize(4 * n);
        JsonNode cp = new ObjectMapper().readTree(ex.resolve("results/case_predictor.json").toFile());
        double threshold = CorrelateService.recordedFailureThreshold(Experiment.open(ex));
        for (Map<String, String> c : cases.records()) {
            Map<String, String> twin = scores.records().stream().filter(r -> r.get("query").equals("noisy") && r.get("run").equals(c.get("run"))
                    && r.get("step").equals(c.get("step")) && r.get("case").equals(c.get("case"))).findFirst().orElseThrow();
            for (Score s : Scores.at(Score.Level.CASE)) {
                double a = Double.parseDouble(c.get(s.name())), b = Double.parseDouble(twin.get(s.name()));
                if (Double.isNaN(b)) assertThat(a).as(s.name()).isNaN();
                else assertThat(a).as(c.get("run") + ":" + c.get("step") + " " + c.get("case") + " " + s.name()).isEqualTo(b);
            }
            // the per-case predictor by hand (a non-finite input counts at its training mean and is named)
            double byHand = cp.path("intercept").asDouble();
            StringBuilder missing = new StringBuilder();
            java.util.function.Function<String, Double> input = in -> {
                if (in.startsWith(CasePrediction.SET_MEAN)) {
                    // the input's mean over this checkpoint's cases of the cohort, where finite
                    String own = in.substring(CasePrediction.SET_MEAN.length());
                    return cases.records().stream().filter(r -> r.get("rank").equals(c.get("rank"))).mapToDouble(r -> Double.parseDouble(r.get(own)))
                            .filter(Double::isFinite).average().orElse(Double.NaN);
                }
                return Double.parseDouble(c.get(in));
            };
            for (int j = 0; j < cp.path("kept").size(); j++) {
                String in = cp.path("inputs").get(cp.path("kept").get(j).asInt()).asText();
                double x = input.apply(in);
                if (!Double.isFinite(x)) missing.append(missing.length() == 0 ? "" : " ").append(in);
                else byHand += cp.path("coefficients").get(j).asDouble() * (x - cp.path("means").get(j).asDouble()) / cp.path("sds").get(j).asDouble();
            }
            double predicted = Double.parseDouble(c.get("predicted_iou"));
            assertThat(predicted).isCloseTo(byHand, within(1e-9));
            double[] bounds = dev.unetscope.analysis.ConformalByHand.bounds(cp, input);
            assertThat(Double.parseDouble(c.get("lo"))).isCloseTo(bounds[0], within(1e-9));
            assertThat(Double.parseDouble(c.get("hi"))).isCloseTo(bounds[1], within(1e-9));
            assertThat(c.get("flagged")).isEqualTo(predicted < threshold ? "1" : "0");
            assertThat(c.get("missing_inputs")).isEqualTo(missing.toString());
        }
        // riskiest first within each checkpoint
        for (int i = 1; i < cases.rows().size(); i++) {
            Map<String, String> a = cases.records().get(i - 1), b = cases.records().get(i);
            if (a.get("rank").equals(b.get("rank"))) {
                assertThat(Double.parseDouble(a.get("predicted_iou"))).isLessThanOrEqualTo(Double.parseDouble(b.get("predicted_iou")));
            }
        }
        CsvTable cks = CsvTable.read(folder.resolve("checkpoints.csv"));
        assertThat(cks.rows()).hasSize(4);
        assertThat(cks.records()).extracting(r -> r.get("rank")).containsExactly("1", "2", "3", "4");
        double topLo = Double.parseDouble(cks.records().get(0).get("lo"));
        for (int i = 0; i < 4; i++) {
            Map<String, String> r = cks.records().get(i);
            if (i > 0) assertThat(Double.parseDouble(r.get("predicted_iou"))).isLessThanOrEqualTo(Double.parseDouble(cks.records().get(i - 1).get("predicted_iou")));
            assertThat(r.get("indistinguishable")).isEqualTo(Double.parseDouble(r.get("hi")) >= topLo ? "1" : "0");
        }
        JsonNode pj = new ObjectMapper().readTree(folder.resolve("prediction.json").toFile());
        assertThat(pj.path("query").asText()).isEqualTo(blind.toAbsolutePath().normalize().toString());
        assertThat(pj.path("cases").asInt()).isEqualTo(n);
        for (JsonNode f : pj.path("strips")) assertThat(folder.resolve("figures").resolve(f.asText())).isRegularFile();
        try (var left = Files.list(ex.resolve("predictions"))) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("blind"); // no temporary folder left behind
        }

        // one checkpoint on its own gets the same prediction as in the ranking (references shared, not changed)
        Map<String, String> top = cks.records().get(0);
        PredictService.Result one = new PredictService().run(Experiment.open(ex),
                new PredictService.Settings(top.get("run") + ":" + top.get("step"), blind, 0, "one"), Progress.NONE);
        assertThat(one.prediction().value()).isCloseTo(Double.parseDouble(top.get("predicted_iou")), within(1e-12));

        // the labelled folder itself: its labels are not read (the same predictions) and that is said
        Path labelled = ex.resolve("data/query/noisy");
        String withLabels = outOf(() -> Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", top.get("run") + ":" + top.get("step"),
                "--query", labelled.toString(), "--name", "labelled"), 0);
        assertThat(withLabels).contains("holds labels for " + n + " of " + n + " cases: none were read");
        CsvTable lc = CsvTable.read(ex.resolve("predictions/labelled/cases.csv"));
        for (Map<String, String> r : lc.records()) {
            Map<String, String> b = cases.records().stream().filter(x -> x.get("rank").equals("1") && x.get("case").equals(r.get("case"))).findFirst().orElseThrow();
            assertThat(r.get("predicted_iou")).isEqualTo(b.get("predicted_iou"));
        }

        // a spacing far outside the training range: a warning naming the case and the range, the prediction still made
        Path far = TinyExperiment.unlabelledCopy(ex.resolve("data/query/noisy"), tmp.resolve("far"));
        Path first;
        try (var f = Files.list(far.resolve("images"))) {
            first = f.sorted().findFirst().orElseThrow();
        }
        Volume v = VolumeIO.read(first);
        double[] sp = {v.spacing()[0] * 4, v.spacing()[1] * 4, v.spacing()[2]};
        VolumeIO.write(new Volume(v.nx(), v.ny(), v.nz(), v.data(), sp, Volume.diagonalAffine(sp)), first);
        String caseId = first.getFileName().toString().replace(".nii.gz", "");
        String warned = outOf(() -> Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", top.get("run") + ":" + top.get("step"),
                "--query", far.toString()), 0);
        assertThat(warned).contains("warning: case " + caseId + " has voxel spacing 12 x 12 x 6 mm, far outside the training range 3 x 3 x 6 to 3 x 3 x 6 mm");

        // bad input: one line, exit 2, nothing written
        byte[] before = Files.readAllBytes(folder.resolve("cases.csv"));
        Path other = TinyExperiment.unlabelledCopy(ex.resolve("data/query/noisy"), tmp.resolve("other"));
        Path noImages = Files.createDirectories(tmp.resolve("none/images"));
        Files.writeString(noImages.resolve("readme.txt"), "not an image");
        Path twoChannels = Files.createDirectories(tmp.resolve("two/images"));
        Files.write(twoChannels.resolve("scan.nii"), twoChannelNifti(32, 32, 8));
        Path corrupt = Files.createDirectories(tmp.resolve("corrupt/images"));
        Files.write(corrupt.resolve("scan.nii.gz"), new byte[] {1, 2, 3});
        Map<String, List<String>> bad = Map.of(
                "another query under a used name", List.of("--query", other.toString(), "--name", "blind"),
                "no readable images", List.of("--query", tmp.resolve("none").toString()),
                "another channel count", List.of("--query", tmp.resolve("two").toString()),
                "an unreadable image", List.of("--query", tmp.resolve("corrupt").toString()),
                "a name that is not a folder name", List.of("--query", other.toString(), "--name", "../up"));
        for (Map.Entry<String, List<String>> b : bad.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("predict", "--experiment", ex.toString(), "--checkpoint", "all"));
            args.addAll(b.getValue());
            String err = UnlabelledQueryTest.errOf(() -> Main.execute(args.toArray(String[]::new)), 2);
            assertThat(err.trim()).as(b.getKey()).startsWith("unetscope:").doesNotContain("\n");
            try (var left = Files.list(ex.resolve("predictions"))) {
                assertThat(left.map(p -> p.getFileName().toString()).toList()).as(b.getKey()).containsExactlyInAnyOrder("blind", "one", "labelled", "far");
            }
        }
        assertThat(UnlabelledQueryTest.errOf(() -> Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", "all", "--query",
                tmp.resolve("two").toString()), 2)).contains("has 2 channel(s), the training images have 1");
        assertThat(Files.readAllBytes(folder.resolve("cases.csv"))).isEqualTo(before);

        // the report lists each prediction
        assertThat(Main.execute("report", "--experiment", ex.toString())).isZero();
        String html = Files.readString(ex.resolve("report/index.html"));
        assertThat(html).contains("Predictions on new scans").contains("blind").contains("labelled");

        // --replace-non-finite reaches the preparation of the new scans (each run's own), not only the data check before it
        Path holes = TinyExperiment.unlabelledCopy(ex.resolve("data/query/noisy"), tmp.resolve("holes"));
        Path scan;
        try (var l = Files.list(holes.resolve("images"))) {
            scan = l.sorted().findFirst().orElseThrow();
        }
        Volume holed = VolumeIO.load(scan, 0).volume();
        holed.data()[7] = Float.NaN;
        VolumeIO.write(holed, scan);
        String pick = top.get("run") + ":" + top.get("step");
        assertThat(UnlabelledQueryTest.errOf(() -> Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", pick, "--query", holes.toString()), 2))
                .contains("NaN or infinite").contains("--replace-non-finite");
        String replaced = outOf(() -> Main.execute("predict", "--experiment", ex.toString(), "--checkpoint", pick, "--query", holes.toString(),
                "--replace-non-finite"), 0);
        assertThat(replaced).contains("predicted mean IoU");
        assertThat(CsvTable.read(ex.resolve("predictions/holes/cases.csv")).records()).isNotEmpty();
    }

    /** A float32 NIfTI-1 image with two volumes (channels), 3 x 3 x 6 mm voxels, a ramp (a constant image is refused for that before its channels are looked at). */
    static byte[] twoChannelNifti(int nx, int ny, int nz) {
        int voxels = nx * ny * nz * 2;
        ByteBuffer b = ByteBuffer.allocate(352 + 4 * voxels).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 348);
        short[] dim = {4, (short) nx, (short) ny, (short) nz, 2, 1, 1, 1};
        for (int i = 0; i < 8; i++) b.putShort(40 + 2 * i, dim[i]);
        b.putShort(70, (short) 16);
        b.putShort(72, (short) 32);
        float[] pixdim = {1, 3, 3, 6, 1, 1, 1, 1};
        for (int i = 0; i < 8; i++) b.putFloat(76 + 4 * i, pixdim[i]);
        b.putFloat(108, 352);
        b.putFloat(112, 1);
        b.put(344, "n+1\0".getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < voxels; i++) b.putFloat(352 + 4 * i, 1f + i % 97);
        return b.array();
    }

    static String outOf(UnlabelledQueryTest.Call c, int expected) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true));
        int code;
        try {
            code = c.run();
        } finally {
            System.setOut(old);
        }
        assertThat(code).as(out.toString()).isEqualTo(expected);
        return out.toString();
    }
}
