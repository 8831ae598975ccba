package dev.unetscope.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Keeps networks away from a oneDNN race: on this machine's CPU, under the AVX2 cap, 3D convolutions
 * with 4 channels raced on 2 threads (NaN loss after 1-30 steps in 3 of 4 training runs, differently
 * each run; never on 1 thread, never with channel counts that are multiples of 8). While a network
 * with a channel count that is neither 1 nor a multiple of 8 is open, the engine computes on one
 * intra-op thread; the count is restored when the last such network closes. Built-in configurations
 * keep multiples of 8 and are not slowed; an imported network with, say, 4 input channels or 12-channel
 * taps runs single-threaded (cost: {@code unetscope bench train --threads 1} against 2, in
 * docs/ARCHITECTURE.md). {@code -Dunetscope.channelRaceGuard=off} turns it off where
 * {@code unetscope doctor} finds no race.
 */
public final class ChannelRaceGuard implements AutoCloseable {
    public static final String PROPERTY = "unetscope.channelRaceGuard";
    private static int open;
    private static int restore;

    private final boolean active;

    private ChannelRaceGuard(boolean active) {
        this.active = active;
    }

    /** True when a network with these channel counts is exposed to the race (some count neither 1 nor a multiple of 8). */
    public static boolean affected(int... channels) {
        for (int c : channels) if (c != 1 && c % 8 != 0) return true;
        return false;
    }

    /** Enters single-threaded mode when {@code channels} are affected (and the guard is on); close to leave it. */
    public static ChannelRaceGuard enter(int... channels) {
        if (!affected(channels) || "off".equals(System.getProperty(PROPERTY))) return new ChannelRaceGuard(false);
        synchronized (ChannelRaceGuard.class) {
            if (open++ == 0) {
                restore = JniUtils.getNumThreads();
                JniUtils.setNumThreads(1);
            }
        }
        return new ChannelRaceGuard(true);
    }

    /** Whether this guard put the engine on one thread. */
    public boolean active() {
        return active;
    }

    @Override
    public void close() {
        if (!active) return;
        synchronized (ChannelRaceGuard.class) {
            if (--open == 0) JniUtils.setNumThreads(restore);
        }
    }
}
