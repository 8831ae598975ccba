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
    }
}
