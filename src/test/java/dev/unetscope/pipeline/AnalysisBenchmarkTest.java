package dev.unetscope.pipeline;

import dev.unetscope.cli.Main;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** bench analyze's phase timer: the timed analysis gives the same scores, the phases are named, the experiment is only read. */
class AnalysisBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void timedAnalysisScoresTheSameAndNamesItsPhases() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice", 2, 1);
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "60", "--mixture-k", "1,2", "--resamples", "20")).isZero();
        Experiment exp = Experiment.open(ex);
        AnalysisConfig cfg = AnalyzeService.recorded(exp);
        Map<String, ExperimentData.Query> queries = ExperimentData.queries(exp);
        List<String> setNames = new ArrayList<>(queries.keySet());
        setNames.add(AnalyzeService.VALIDATION);
        PreparedSets prepared = new PreparedSets(exp, queries);
        CheckpointRef ref = CheckpointRef.all(exp).get(0);

        CheckpointScores plain = AnalyzeService.analyse(new CheckpointAnalysis(cfg), prepared, ref, setNames, Map.of());
        PhaseTimes phases = PhaseTimes.recording();
        CheckpointScores timed = AnalyzeService.analyse(new CheckpointAnalysis(cfg, phases), prepared, ref, setNames, Map.of());
        assertThat(timed).isEqualTo(plain);
        assertThat(phases.seconds()).containsKeys("training-set features (inference with taps, sampling)", "mixture fits", "roughness k-means",
                "Davies-Bouldin", "TTA pass (inference)", "mixture scoring", "baselines and entropy aggregates", "checkpoint agreement");
        assertThat(phases.seconds().values()).allSatisfy(s -> assertThat(s).isGreaterThanOrEqualTo(0.0));
        int taps;
        try (var net = ref.open()) {
            taps = net.tapNames().size();
        }
        assertThat(phases.calls().get("roughness k-means")).isEqualTo(2L * taps * setNames.size()); // both directions, every layer and set
        assertThat(PhaseTimes.NONE.time("x", () -> 3)).isEqualTo(3);
        assertThat(PhaseTimes.NONE.seconds()).isEmpty();

        byte[] layers = Files.readAllBytes(ex.resolve("results/layers.csv"));
        byte[] cases = Files.readAllBytes(ex.resolve("results/case_scores.csv"));
        AnalysisBenchmark.Result r = AnalysisBenchmark.run(exp, ref.id().toString(), 2, Progress.NONE);
        assertThat(r.analysis()).hasSize(2);
        assertThat(r.phases().get("roughness k-means")).isPositive();
        assertThat(r.csvSeconds()).isPositive();
        assertThat(r.format()).contains("roughness k-means").contains("CSV tables");
        assertThat(Files.readAllBytes(ex.resolve("results/layers.csv"))).isEqualTo(layers);
        assertThat(Files.readAllBytes(ex.resolve("results/case_scores.csv"))).isEqualTo(cases);
    }
}
