package dev.unetscope.cli;

import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Without the Spark module on the class path, --spark is refused in one line saying how to get it, and nothing is written. */
class SparkAbsentTest {
    @TempDir
    Path tmp;

    @Test
    void sparkWithoutTheModuleIsOneLine() throws Exception {
        Path ex = tmp.resolve("ex");
        TinyExperiment.create(ex, 6);
        byte[] config = Files.readAllBytes(ex.resolve("experiment.json"));
        for (String stage : new String[] {"analyze", "evaluate"}) {
            CliRun r = CliRun.of(stage, "--experiment", ex.toString(), "--spark", "local[2]");
            assertThat(r.code()).as(stage).isEqualTo(Main.BAD_INPUT);
            assertThat(r.oneErrorLine()).as(r.err()).isTrue();
            assertThat(r.err()).contains("--spark needs the Spark module (unetscope-spark)").contains("mvn -f reactor.xml");
        }
        assertThat(Files.readAllBytes(ex.resolve("experiment.json"))).isEqualTo(config);
        assertThat(ex.resolve("results")).doesNotExist();
    }
}
