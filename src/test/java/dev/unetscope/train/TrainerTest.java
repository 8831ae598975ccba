package dev.unetscope.train;

import dev.unetscope.cli.Main;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.model.UNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TrainerTest {
    @TempDir
    Path tmp;

    // channel counts are multiples of 8: with 4 channels oneDNN's AVX2 path races on 2 threads here (NaN after a few steps)
    static final String[] TINY_NET = {"--channels", "8,16,32", "--res-units", "1"};

    static List<String> trainArgs(Path exp, int steps, int checkpoints) {
        List<String> a = new ArrayList<>(List.of("train", "--experiment", exp.toString(), "--objectives", "dice", "--steps", Integer.toString(steps),
                "--checkpoints", Integer.toString(checkpoints), "--seed", "3"));
        a.addAll(List.of(TINY_NET));
        return a;
    }

    @Test
    void resumeAfterSigkillEndsIdenticalToAnUninterruptedRun() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        TinyExperiment.create(a, 8);
        TinyExperiment.create(b, 8);
        int steps = 30, k = 4; // checkpoints at 2, 8, 17, 30

        assertThat(Main.execute(trainArgs(a, steps, k).toArray(String[]::new))).isZero();

        // b: a child JVM, killed with SIGKILL once its first checkpoint is on disk, then run again
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.unetscope.cli.Main"));
        cmd.addAll(trainArgs(b, steps, k));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path manifest = b.resolve("checkpoints/dice/manifest.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(manifest) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        p.destroyForcibly(); // SIGKILL
        p.waitFor(30, TimeUnit.SECONDS);
        CheckpointStore.Manifest killed = new CheckpointStore(Experiment.open(b), "dice").manifest();
        assertThat(killed).as(Files.readString(tmp.resolve("child.log"))).isNotNull();
        assertThat(killed.checkpoints().get(killed.checkpoints().size() - 1).step()).as("killed before the end").isLessThan(steps);

        assertThat(Main.execute(trainArgs(b, steps, k).toArray(String[]::new))).isZero();

        for (int step : CheckpointSchedule.steps(steps, k)) {
            String f = "checkpoints/dice/" + CheckpointStore.stepName(step) + ".params";
            assertThat(Files.readAllBytes(b.resolve(f))).as(f).isEqualTo(Files.readAllBytes(a.resolve(f)));
        }
        List<List<String>> la = CsvTable.read(a.resolve("results/training.csv")).rows();
        List<List<String>> lb = CsvTable.read(b.resolve("results/training.csv")).rows();
        assertThat(lb).isEqualTo(la);
        assertThat(la).hasSize(steps);
        // the loss fell: mean of the last 10 steps below mean of the first 10
        double first = la.subList(0, 10).stream().mapToDouble(r -> Double.parseDouble(r.get(5))).average().orElseThrow();
        double last = la.subList(steps - 10, steps).stream().mapToDouble(r -> Double.parseDouble(r.get(5))).average().orElseThrow();
        assertThat(last).isLessThan(first);

        // a finished run is not trained again
        assertThat(Main.execute(trainArgs(a, steps, k).toArray(String[]::new))).isZero();
        assertThat(CsvTable.read(a.resolve("results/training.csv")).rows()).isEqualTo(la);
    }

    @Test
    void anotherConfigInTheSameExperimentIsRefused() throws Exception {
        Path a = tmp.resolve("a");
        TinyExperiment.create(a, 6);
        assertThat(Main.execute(trainArgs(a, 4, 2).toArray(String[]::new))).isZero();
        List<String> other = trainArgs(a, 4, 2);
        other.set(other.indexOf("8,16,32"), "8,16,24");
        assertThat(Main.execute(other.toArray(String[]::new))).isEqualTo(2);
    }

    @Test
    void evaluationMatchesAnIndependentPassAndResumes() throws Exception {
        Path a = tmp.resolve("a");
        Experiment e = TinyExperiment.create(a, 8);
        assertThat(Main.execute(trainArgs(a, 6, 2).toArray(String[]::new))).isZero();
        assertThat(Main.execute("evaluate", "--experiment", a.toString())).isZero();
        CsvTable cases = CsvTable.read(a.resolve("results/cases.csv"));
        CsvTable cks = CsvTable.read(a.resolve("results/checkpoints.csv"));
        assertThat(cks.rows()).hasSize(2 * 2); // 2 checkpoints x {test, noisy}

        // recompute step 6 on the test split case by case, at batch 1
        PreparedSet test = ExperimentData.split(e, "test");
        CheckpointStore.Manifest m = new CheckpointStore(e, "dice").manifest();
        try (UNet net = UNet.load(a.resolve("checkpoints/dice/step-000006.params"), m.train().net())) {
            double sum = 0;
            for (int i = 0; i < test.size(); i++) {
                float[] p = net.infer(test.images().get(i), 1, test.d(), test.h(), test.w(), Set.of()).probabilities();
                double iou = Overlap.countsAt(p, test.masks().get(i), 0, p.length).iou();
                sum += iou;
                String id = test.ids().get(i);
                Map<String, String> row = cases.records().stream()
                        .filter(r -> r.get("step").equals("6") && r.get("query").equals("test") && r.get("case").equals(id)).findFirst().orElseThrow();
                assertThat(Double.parseDouble(row.get("iou"))).isCloseTo(iou, org.assertj.core.data.Offset.offset(1e-3));
            }
            double mean = sum / test.size();
            Map<String, String> row = cks.records().stream().filter(r -> r.get("step").equals("6") && r.get("query").equals("test")).findFirst().orElseThrow();
            assertThat(Double.parseDouble(row.get("iou"))).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-3));
        }
        byte[] before = Files.readAllBytes(a.resolve("results/cases.csv"));
        assertThat(Main.execute("evaluate", "--experiment", a.toString())).isZero();
        assertThat(Files.readAllBytes(a.resolve("results/cases.csv"))).isEqualTo(before);
    }

    @Test
    void evaluateWithoutCheckpointsIsExit2() {
        Path a = tmp.resolve("a");
        TinyExperiment.create(a, 6);
        assertThat(Main.execute("evaluate", "--experiment", a.toString())).isEqualTo(2);
        assertThat(Main.execute("train", "--experiment", tmp.resolve("missing").toString())).isEqualTo(2);
    }
}
