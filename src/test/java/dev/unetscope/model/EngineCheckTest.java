package dev.unetscope.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The PyTorch engine loads from the jars on the classpath (offline) and computes a 3D convolution correctly. */
class EngineCheckTest {
    @Test
    void engineLoadsOfflineAndConv3dMatchesPlainLoop() {
        assertThat(System.getenv("DJL_OFFLINE")).isEqualTo("true");
        EngineCheck.Result r = EngineCheck.run(1);
        assertThat(r.engine()).isEqualTo("PyTorch");
        assertThat(r.version()).isEqualTo("2.7.1");
        assertThat(r.isaSetting()).isEqualTo("AVX2");
        assertThat(r.nan()).isFalse();
        assertThat(r.maxAbsError()).isLessThan(EngineCheck.TOLERANCE);
        assertThat(r.ok()).isTrue();
    }
}
