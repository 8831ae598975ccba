package dev.unetscope.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** experiment.json written by processes side by side (shards hold only their own folder's lock). */
class ExperimentSectionsTest {

    @Test
    void aSectionWrittenByAnotherWriterSinceThisOneReadTheFileIsKept(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(Experiment.CONFIG), "{\"created\":\"then\"}");
        Experiment first = Experiment.open(dir);
        Experiment second = Experiment.open(dir); // read before the first one writes: a stale copy
        first.putSection("analysis", Map.of("samplesPerCase", 200));
        second.putSection("queries", Map.of("clinic", Map.of("path", "/data/clinic")));

        Experiment now = Experiment.open(dir);
        assertThat(now.section("analysis").path("samplesPerCase").asInt()).isEqualTo(200);
        assertThat(now.section("queries").path("clinic").path("path").asText()).isEqualTo("/data/clinic");
        assertThat(now.section("created").asText()).isEqualTo("then");
        // the stale writer now sees the other's section too
        assertThat(second.section("analysis").path("samplesPerCase").asInt()).isEqualTo(200);
    }

    @Test
    void anUnchangedSectionWritesNothing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(Experiment.CONFIG), "{\"analysis\":{\"k\":1}}");
        Path cfg = dir.resolve(Experiment.CONFIG);
        var before = Files.getLastModifiedTime(cfg);
        Thread.sleep(20);
        Experiment.open(dir).putSection("analysis", Map.of("k", 1));
        assertThat(Files.getLastModifiedTime(cfg)).isEqualTo(before);
        assertThat(Files.exists(dir.resolve(".experiment.json.lock"))).isFalse();
    }
}
