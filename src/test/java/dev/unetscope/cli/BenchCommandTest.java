package dev.unetscope.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench commands run end to end on a tiny network and print a numeric median (no timing asserts). */
class BenchCommandTest {
    @ParameterizedTest
    @ValueSource(strings = {"train", "infer"})
    void printsMedian(String what) {
        CliRun r = CliRun.of("bench", what, "--shape", "8,16,16", "--channels", "8,16", "--warmup", "1", "--steps", "2", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        String unit = what.equals("train") ? "s/step" : "s/volume";
        assertThat(r.out()).containsPattern("(?m)^median \\d+\\.\\d+ " + unit + " over 2 ");
        assertThat(r.out().lines().filter(l -> l.contains(" timed ")).count()).isEqualTo(2);
        if (what.equals("train")) assertThat(r.out()).containsPattern("forward \\d+\\.\\d+ backward \\d+\\.\\d+ update \\d+\\.\\d+");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bench", "bench train", "bench infer", "bench metrics", "bench analyze"})
    void hasHelp(String cmd) {
        CliRun r = CliRun.of((cmd + " --help").split(" "));
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: unetscope " + cmd);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--shape=8,16", "--shape=9,16,16", "--norm=group"})
    void badFlagIsOneLineExit2(String flag) {
        CliRun r = CliRun.of("bench", "train", "--channels", "4,8", "--steps", "1", "--warmup", "0", flag);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.oneErrorLine()).as(r.err()).isTrue();
    }

    @org.junit.jupiter.api.Test
    void metricsPrintsOneLinePerMethodAndTotal() {
        CliRun r = CliRun.of("bench", "metrics", "--points", "500", "--dims", "4", "--repeats", "1", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        for (String line : new String[] {"k-means", "diagonal mixture", "full mixture", "Davies-Bouldin", "total"}) {
            assertThat(r.out()).containsPattern("(?m)^" + line + ".* \\d+\\.\\d+ s$");
        }
    }

    @org.junit.jupiter.api.Test
    void analyzeOfAMissingExperimentIsOneLineExit2(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        CliRun r = CliRun.of("bench", "analyze", "--experiment", tmp.resolve("none").toString(), "--checkpoint", "dice:1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.oneErrorLine()).as(r.err()).isTrue();
    }
}
