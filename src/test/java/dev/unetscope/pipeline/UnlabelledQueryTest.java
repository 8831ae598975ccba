package dev.unetscope.pipeline;

import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A query set without labels: skipped by evaluate, scored by analyze exactly as its labelled twin, named unlabelled in the report. */
class UnlabelledQueryTest {
    @TempDir
    Path tmp;

    @Test
    void anUnlabelledQuerySetIsScoredButNotEvaluatedOrCorrelated() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice", 4, 2);
        // the noisy query images without their labels
        Path blind = tmp.resolve("blind");
        TinyExperiment.unlabelledCopy(ex.resolve("data/query/noisy"), blind);
        int n;
        try (var files = Files.list(blind.resolve("images"))) {
            n = (int) files.count();
        }

        // bad input: one line, exit 2, nothing written
        Files.createDirectories(tmp.resolve("empty/images"));
        byte[] config = Files.readAllBytes(ex.resolve("experiment.json"));
        for (String q : List.of("test=" + blind, "train=" + blind, "val=" + blind, "x=" + tmp.resolve("missing"), "x=" + tmp.resolve("empty"))) {
            String err = errOf(() -> Main.execute("evaluate", "--experiment", ex.toString(), "--query", q), 2);
            assertThat(err.trim()).startsWith("unetscope:").doesNotContain("\n");
            assertThat(Files.readAllBytes(ex.resolve("experiment.json"))).isEqualTo(config);
            assertThat(ex.resolve("results/checkpoints.csv")).doesNotExist();
        }

        assertThat(Main.execute("evaluate", "--experiment", ex.toString(), "--query", "blind=" + blind)).isZero();
        CsvTable cks = CsvTable.read(ex.resolve("results/checkpoints.csv"));
        assertThat(cks.records()).extracting(r -> r.get("query")).contains("test", "noisy").doesNotContain("blind");
        assertThat(CsvTable.read(ex.resolve("results/cases.csv")).records()).noneMatch(r -> r.get("query").equals("blind"));
        // evaluating again skips every checkpoint: the unlabelled set does not make them look unfinished
        EvaluateService.Result again = new EvaluateService().run(dev.unetscope.experiment.Experiment.open(ex), EvaluateService.Settings.defaults(), Progress.NONE);
        assertThat(again.evaluated()).isZero();
        assertThat(again.skipped()).isEqualTo(2);
        assertThat(again.unlabelled()).containsExactly("blind");

        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "200", "--mixture-k", "1", "--resamples", "50")).isZero();
        CsvTable layers = CsvTable.read(ex.resolve("results/layers.csv"));
        List<Map<String, String>> blindLayers = layers.records().stream().filter(r -> r.get("query").equals("blind")).toList();
        assertThat(blindLayers).hasSize(2 * TapsOfTinyNet.LAYERS.size());
        for (Map<String, String> r : blindLayers) {
            assertThat(Double.parseDouble(r.get("db_labels"))).isNaN();
            assertThat(r.get("reason")).contains("db_labels").contains("no labels");
            assertThat(Double.parseDouble(r.get("confidence"))).isFinite();
            assertThat(Integer.parseInt(r.get("points"))).isEqualTo(200 * n);
        }
        // the labelled twin has its labels (db_labels may still be NaN at a coarse layer of this tiny net, for another reason)
        assertThat(layers.records().stream().filter(r -> r.get("query").equals("noisy")))
                .allSatisfy(r -> assertThat(r.get("reason")).doesNotContain("no labels"))
                .anySatisfy(r -> assertThat(Double.parseDouble(r.get("db_labels"))).isFinite());

        // per case: the same images, positions and network give exactly the labelled set's label-free scores
        CsvTable cs = CsvTable.read(ex.resolve("results/case_scores.csv"));
        List<Map<String, String>> blindCases = cs.records().stream().filter(r -> r.get("query").equals("blind")).toList();
        assertThat(blindCases).hasSize(2 * n);
        for (Map<String, String> b : blindCases) {
            Map<String, String> twin = cs.records().stream().filter(r -> r.get("query").equals("noisy") && r.get("run").equals(b.get("run"))
                    && r.get("step").equals(b.get("step")) && r.get("case").equals(b.get("case"))).findFirst().orElseThrow();
            assertThat(Double.parseDouble(b.get("confidence"))).isFinite().isEqualTo(Double.parseDouble(twin.get("confidence")));
            assertThat(Double.parseDouble(b.get("softmax_confidence"))).isFinite().isEqualTo(Double.parseDouble(twin.get("softmax_confidence")));
        }

        // features --set on the unlabelled set: the same features as its labelled twin, without the label files
        Path fb = tmp.resolve("fb"), fn = tmp.resolve("fn");
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice", "--set", "blind", "--out", fb.toString())).isZero();
        assertThat(Main.execute("features", "--experiment", ex.toString(), "--checkpoint", "dice", "--set", "noisy", "--out", fn.toString())).isZero();
        for (String layer : TapsOfTinyNet.LAYERS) {
            assertThat(Files.readAllBytes(fb.resolve(layer + ".npy"))).as(layer).isEqualTo(Files.readAllBytes(fn.resolve(layer + ".npy")));
            assertThat(fb.resolve("labels_" + layer + ".npy")).doesNotExist();
            assertThat(fn.resolve("labels_" + layer + ".npy")).isRegularFile();
        }
        assertThat(Files.readAllBytes(fb.resolve("positions.npy"))).isEqualTo(Files.readAllBytes(fn.resolve("positions.npy")));
        assertThat(Files.readString(fb.resolve("cases.txt"))).isEqualTo(Files.readString(fn.resolve("cases.txt")));

        assertThat(Main.execute("report", "--experiment", ex.toString())).isZero();
        Path corr = ex.resolve("results/correlations.csv");
        assertThat(corr).exists();
        CsvTable c = CsvTable.read(corr);
        assertThat(c.records()).anyMatch(r -> r.get("scope").equals("query") && r.get("subset").equals("noisy"));
        assertThat(c.records()).noneMatch(r -> r.get("subset").equals("blind"));
        String html = Files.readString(ex.resolve("report/index.html"));
        assertThat(html).contains("blind (unlabelled, " + n + " cases)").contains("noisy (labelled, " + n + " cases)");
    }

    interface Call {
        int run() throws Exception;
    }

    static String errOf(Call c, int expected) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        int code;
        try {
            code = c.run();
        } finally {
            System.setErr(old);
        }
        assertThat(code).as(err.toString()).isEqualTo(expected);
        return err.toString();
    }
}
