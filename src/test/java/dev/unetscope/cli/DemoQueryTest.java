package dev.unetscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code demo --data DIR --data-only --query NAME=DIR}: an experiment without training, with the user's own query sets. */
class DemoQueryTest {
    @TempDir
    Path tmp;

    @Test
    void ownQuerySetsLabelledOrNotAreRecordedAndBadOnesRefused() throws Exception {
        Path src = tmp.resolve("src");
        TinyExperiment.create(src, 8);
        Path data = src.resolve("data/phantoms"), noisy = src.resolve("data/query/noisy");
        Path blind = tmp.resolve("blind");
        TinyExperiment.unlabelledCopy(noisy, blind);
        Files.createDirectories(tmp.resolve("empty/images"));
        String[] base = {"demo", "--data", data.toString(), "--data-only", "--shape", "32,32,8", "--spacing", "3,3,6"};

        // bad input: one line, exit 2, no experiment folder written
        Path bad = tmp.resolve("bad");
        for (List<String> q : List.of(List.of("--query", "test=" + blind), List.of("--query", "train=" + blind), List.of("--query", "val=" + blind),
                List.of("--query", "noisy=" + blind), List.of("--query", "noisy@2=" + blind), List.of("--query", "blurred@9=" + blind),
                List.of("--query", "x=" + tmp.resolve("missing")), List.of("--query", "x=" + tmp.resolve("empty")),
                List.of("--query", "x"), List.of("--query", "x=" + blind, "--query", "x=" + noisy))) {
            String[] args = concat(base, "--out", bad.toString());
            args = concat(args, q.toArray(String[]::new));
            CliRun r = CliRun.of(args);
            assertThat(r.code()).as(q + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().trim()).startsWith("unetscope:").doesNotContain("\n");
            assertThat(bad).doesNotExist();
        }
        // an unlabelled --data: the splits need masks
        CliRun unl = CliRun.of("demo", "--data", blind.toString(), "--data-only", "--out", bad.toString());
        assertThat(unl.code()).isEqualTo(2);
        assertThat(unl.err().trim()).contains("has no labels").doesNotContain("\n");
        assertThat(bad).doesNotExist();

        Path out = tmp.resolve("e");
        CliRun ok = CliRun.of(concat(base, "--out", out.toString(), "--query", "blind=" + blind, "--query", "twin=" + noisy));
        assertThat(ok.code()).as(ok.err()).isZero();
        Experiment e = Experiment.open(out);
        JsonNode q = e.section("queries");
        assertThat(q.path("blind").path("path").asText()).isEqualTo(blind.toAbsolutePath().toString());
        assertThat(q.has("test")).isTrue();
        assertThat(q.has("noisy@2")).isTrue(); // the shifted copies stay
        int n;
        try (var files = Files.list(blind.resolve("images"))) {
            n = (int) files.count();
        }
        var queries = ExperimentData.queries(e);
        assertThat(ExperimentData.info(e, queries.get("blind"))).isEqualTo(new ExperimentData.QueryInfo("blind", n, false));
        assertThat(ExperimentData.info(e, queries.get("twin"))).isEqualTo(new ExperimentData.QueryInfo("twin", n, true));
        assertThat(ExperimentData.query(e, queries.get("blind")).labelled()).isFalse();
        assertThat(ExperimentData.query(e, queries.get("blind")).size()).isEqualTo(n);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
