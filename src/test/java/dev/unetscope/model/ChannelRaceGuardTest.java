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
    /**
     * The engine's thread count belongs to each thread: a second thread, already running when the first opened an
     * exposed network, is put on one thread when it opens its own (two analysis jobs at once), and gets its own count back.
     */
    @Test
    void aSecondThreadOpeningAnExposedNetworkIsGuardedToo() throws Exception {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1), firstOpen = new java.util.concurrent.CountDownLatch(1),
                done = new java.util.concurrent.CountDownLatch(1);
        int[] seen = new int[3];
        Throwable[] failed = new Throwable[1];
        Thread second = new Thread(() -> {
            try {
                // a thread that has computed before (libtorch gives a thread the process's last count on its first
                // use, then the thread keeps its own), as an analysis job's thread has
                JniUtils.getNumThreads();
                JniUtils.setNumThreads(2);
                started.countDown();
                firstOpen.await();
                seen[0] = JniUtils.getNumThreads();
                try (ChannelRaceGuard g = ChannelRaceGuard.enter(4, 8)) {
                    seen[1] = JniUtils.getNumThreads();
                }
                seen[2] = JniUtils.getNumThreads();
            } catch (Throwable t) {
                failed[0] = t;
            } finally {
                done.countDown();
            }
        });
        second.start();
        started.await();
        int before = JniUtils.getNumThreads();
        try (ChannelRaceGuard first = ChannelRaceGuard.enter(4, 8)) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(1);
            firstOpen.countDown();
            done.await();
        }
        second.join();
        assertThat(failed[0]).isNull();
        assertThat(seen[0]).as("the second thread keeps its own count while the first is guarded").isEqualTo(2);
        assertThat(seen[1]).as("guarded on its own").isEqualTo(1);
        assertThat(seen[2]).as("its count back").isEqualTo(2);
        assertThat(JniUtils.getNumThreads()).isEqualTo(before);
    }
}
