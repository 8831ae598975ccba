package dev.unetscope.pipeline;

import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.model.UNet;
import dev.unetscope.train.CheckpointStore;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A checkpoint whose weights went NaN is recorded as diverged, with its reason, in every table, and the run goes on. */
class DivergedCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void aCheckpointWithNaNWeightsIsRecordedAsDivergedEverywhere() throws Exception {
        Path e = tmp.resolve("e");
        TinyExperiment.create(e, 8);
        TinyExperiment.trainTiny(e, "dice", 6, 3);
        CheckpointStore.Manifest m = new CheckpointStore(Experiment.open(e), "dice").manifest();
        int bad = m.checkpoints().get(1).step();
        Path params = e.resolve("checkpoints/dice/" + CheckpointStore.stepName(bad) + ".params");
        try (UNet net = UNet.load(params, m.train().net())) {
            var p = net.block().getParameters().get(0).getValue().getArray();
            p.set(new float[(int) p.size()]);
            p.muli(Float.NaN); // as a diverged training leaves them
            net.save(params);
        }

        assertThat(Main.execute("evaluate", "--experiment", e.toString())).isZero();
        assertThat(Main.execute("analyze", "--experiment", e.toString(), "--samples-per-case", "40", "--mixture-k", "1", "--resamples", "50")).isZero();
        assertThat(Main.execute("report", "--experiment", e.toString())).isZero();

        for (String table : List.of("cases.csv", "checkpoints.csv", "layers.csv", "case_scores.csv", "validation_scores.csv")) {
            List<Map<String, String>> rows = CsvTable.read(e.resolve("results").resolve(table)).records();
            assertThat(rows).as(table).isNotEmpty();
            for (Map<String, String> r : rows) {
                boolean diverged = r.get("step").equals(Integer.toString(bad));
                String reason = r.getOrDefault("reason", r.get("analysis_reason"));
                assertThat(reason).as(table + " has a reason column").isNotNull();
                if (diverged) assertThat(reason).as(table + " step " + bad).startsWith("diverged");
                else assertThat(reason).as(table + " step " + r.get("step")).doesNotContain("diverged");
                if (r.containsKey("iou")) assertThat(Double.isNaN(Double.parseDouble(r.get("iou")))).as(table + " iou").isEqualTo(diverged);
            }
        }
        String html = Files.readString(e.resolve("report/index.html"));
        assertThat(html).contains("diverged");

        // predict --checkpoint all on new scans: the diverged checkpoint gets NaN predictions with its reason, ranked last
        Path blind = TinyExperiment.unlabelledCopy(e.resolve("data/query/noisy"), tmp.resolve("blind"));
        assertThat(Main.execute("predict", "--experiment", e.toString(), "--checkpoint", "all", "--query", blind.toString())).isZero();
        List<Map<String, String>> ranked = CsvTable.read(e.resolve("predictions/blind/checkpoints.csv")).records();
        assertThat(ranked).hasSize(3);
        Map<String, String> last = ranked.get(2);
        assertThat(last.get("step")).isEqualTo(Integer.toString(bad));
        assertThat(last.get("rank")).isEqualTo("3");
        assertThat(Double.isNaN(Double.parseDouble(last.get("predicted_iou")))).isTrue();
        assertThat(last.get("reason")).startsWith("diverged");
        assertThat(last.get("indistinguishable")).isEqualTo("0");
        for (Map<String, String> r : ranked.subList(0, 2)) {
            assertThat(Double.parseDouble(r.get("predicted_iou"))).as("step " + r.get("step")).isFinite();
            assertThat(r.get("reason")).isEmpty();
        }
        List<Map<String, String>> cases = CsvTable.read(e.resolve("predictions/blind/cases.csv")).records();
        assertThat(cases).isNotEmpty();
        for (Map<String, String> r : cases) {
            boolean diverged = r.get("step").equals(Integer.toString(bad));
            assertThat(Double.isNaN(Double.parseDouble(r.get("predicted_iou")))).as("case " + r.get("case") + " step " + r.get("step")).isEqualTo(diverged);
            assertThat(r.get("reason").startsWith("diverged")).isEqualTo(diverged);
            if (diverged) assertThat(r.get("flagged")).isEqualTo("0");
        }
    }
}
