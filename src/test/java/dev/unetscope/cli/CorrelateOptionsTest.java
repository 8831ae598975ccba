package dev.unetscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** analyze's correlate options left out keep the experiment's recorded values instead of falling back to the defaults. */
class CorrelateOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void analyzeAgainWithoutOptionsKeepsTheRecordedThresholdAndResamples() throws Exception {
        Path exp = tmp.resolve("e");
        TinyExperiment.create(exp, 8);
        TinyExperiment.trainTiny(exp, "dice", 2, 1);
        run("evaluate", "--experiment", exp.toString());
        run("analyze", "--experiment", exp.toString(), "--samples-per-case", "300", "--mixture-k", "1,2",
                "--resamples", "100", "--failure-threshold", "0.35");
        assertThat(correlate(exp).path("failureThreshold").asDouble()).isEqualTo(0.35);
        String failure = Files.readString(exp.resolve("results/failure.csv"));
        assertThat(CsvTable.read(exp.resolve("results/failure.csv")).records().get(0).get("threshold")).isEqualTo("0.35");

        // a bootstrap seed recorded by another command (the demo records its own seed) is kept too
        String correlations = Files.readString(exp.resolve("results/correlations.csv"));
        Path json = exp.resolve("experiment.json");
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(json.toFile());
        long recordedSeed = root.path("correlate").path("seed").asLong();
        ((com.fasterxml.jackson.databind.node.ObjectNode) root.path("correlate")).put("seed", recordedSeed + 6);
        Files.write(json, new ObjectMapper().writeValueAsBytes(root));
        run("analyze", "--experiment", exp.toString());
        assertThat(correlate(exp).path("seed").asLong()).isEqualTo(recordedSeed + 6);
        root = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(json.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) root.path("correlate")).put("seed", recordedSeed);
        Files.write(json, new ObjectMapper().writeValueAsBytes(root));
        run("analyze", "--experiment", exp.toString());
        assertThat(Files.readString(exp.resolve("results/correlations.csv"))).isEqualTo(correlations);
        assertThat(correlate(exp).path("failureThreshold").asDouble()).isEqualTo(0.35);
        assertThat(correlate(exp).path("resamples").asInt()).isEqualTo(100);
        assertThat(Files.readString(exp.resolve("results/failure.csv"))).isEqualTo(failure);

        run("analyze", "--experiment", exp.toString(), "--failure-threshold", "0.5");
        assertThat(correlate(exp).path("failureThreshold").asDouble()).as("an option given wins").isEqualTo(0.5);
        assertThat(correlate(exp).path("resamples").asInt()).isEqualTo(100);
    }

    private static JsonNode correlate(Path exp) throws Exception {
        return new ObjectMapper().readTree(exp.resolve("experiment.json").toFile()).path("correlate");
    }

    private static void run(String... args) {
        CliRun r = CliRun.of(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isEqualTo(0);
    }
}
