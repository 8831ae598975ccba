package dev.unetscope.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How the report names an imported run's normalisation from its sidecar: a name, a name with its numbers, one per channel. */
class ImportedRunTextTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void namesEachFormTheSidecarCanHold() throws Exception {
        assertThat(Report.normalisation(JSON.readTree("\"zscore-nonzero\""))).isEqualTo("zscore-nonzero");
        assertThat(Report.normalisation(JSON.readTree("{\"name\": \"zscore\"}"))).isEqualTo("zscore");
        assertThat(Report.normalisation(JSON.readTree("{\"name\": \"ct\", \"low\": -1000, \"high\": 400, \"mean\": 60, \"std\": 180.5}")))
                .isEqualTo("ct (low -1000, high 400, mean 60, std 180.5)");
        assertThat(Report.normalisation(JSON.readTree("[{\"name\": \"zscore\"}, {\"name\": \"window\", \"low\": 0, \"high\": 1}]")))
                .isEqualTo("zscore / window (low 0, high 1)");
        assertThat(Report.normalisation(null)).isEqualTo("none recorded");
        assertThat(Report.normalisation(JSON.readTree("null"))).isEqualTo("none recorded");
    }
}
