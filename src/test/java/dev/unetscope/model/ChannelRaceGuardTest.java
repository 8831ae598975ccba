package dev.unetscope.model;

import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Networks with channel counts that are not multiples of 8 run on one thread while open, away from oneDNN's 4-channel race. */
class ChannelRaceGuardTest {

    static UNetConfig config(int... channels) {
        return new UNetConfig(channels, null, 1, UNetConfig.Norm.INSTANCE, UNetConfig.Activation.PRELU, 0, 1);
    }

    @Test
    void whichChannelCountsAreExposed() {
        assertThat(ChannelRaceGuard.affected(1, 8, 16, 32, 64)).isFalse();
        assertThat(ChannelRaceGuard.affected(1, 4, 8, 16)).isTrue();
        assertThat(ChannelRaceGuard.affected(12, 24)).isTrue();
        assertThat(ChannelRaceGuard.affected(3)).isTrue();
    }

    @Test
    void aFourChannelNetworkRunsSingleThreadedWhileOpenAndTheThreadsComeBack() {
        try (UNet warm = UNet.create(config(8, 16, 32), 1)) {
            int before = JniUtils.getNumThreads();
            assertThat(before).as("threads of a built-in config are left alone").isGreaterThan(0);
            try (UNet net = UNet.create(config(4, 8, 16), 1)) {
                assertThat(JniUtils.getNumThreads()).isEqualTo(1);
                try (UNet second = UNet.create(config(4, 8, 16), 2)) {
                    assertThat(JniUtils.getNumThreads()).isEqualTo(1);
                }
                assertThat(JniUtils.getNumThreads()).as("one exposed network still open").isEqualTo(1);
                // on one thread the 4-channel convolution is repeatable and finite
                EngineCheck.RaceResult r = EngineCheck.raceCheck(3, 3);
                assertThat(r.threads()).isEqualTo(1);
                assertThat(r.ok()).as(r.toString()).isTrue();
            }
            assertThat(JniUtils.getNumThreads()).isEqualTo(before);
        }
    }
}
