package dev.unetscope.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Keeps networks away from a oneDNN race: on this machine's CPU, under the AVX2 cap, 3D convolutions
 * with 4 channels raced on 2 threads (NaN loss after 1-30 steps in 3 of 4 training runs, differently
 * each run; never on 1 thread, never with channel counts that are multiples of 8). While a network
 * with a channel count that is neither 1 nor a multiple of 8 is open, the thread that opened it computes on one
 * intra-op thread; its count is restored when the last such network it opened closes. The engine's
 * count is the calling thread's (OpenMP's, per thread; libtorch gives a thread the process's last set count on
 * its first use, after which the thread keeps its own): a thread that has computed before keeps its count when
 * another thread sets one, so each thread that opens an exposed network is set on its own (two analysis jobs
 * opening such networks at once: each on one thread). A network closed on another
 * thread than the one that opened it leaves that thread on one thread (slower, never exposed). Built-in
 * configurations keep multiples of 8 and are not slowed; an imported network with, say, 4 input channels or
 * 12-channel taps runs single-threaded (cost: {@code unetscope bench train --threads 1} against 2, in
 * docs/ARCHITECTURE.md). {@code -Dunetscope.channelRaceGuard=off} turns it off where
 * {@code unetscope doctor} finds no race.
 */
public final class ChannelRaceGuard implements AutoCloseable {
    public static final String PROPERTY = "unetscope.channelRaceGuard";
    /** Per thread that opened exposed networks: {networks still open, its thread count before the first}. */
    private static final java.util.Map<Thread, int[]> OPEN = new java.util.concurrent.ConcurrentHashMap<>();

    private final Thread owner; // null: not active
    private boolean closed;

    private ChannelRaceGuard(Thread owner) {
        this.owner = owner;
    }

    /** True when a network with these channel counts is exposed to the race (some count neither 1 nor a multiple of 8). */
    public static boolean affected(int... channels) {
        for (int c : channels) if (c != 1 && c % 8 != 0) return true;
        return false;
    }

    /** Puts the calling thread on one engine thread when {@code channels} are affected (and the guard is on); close to leave it. */
    public static ChannelRaceGuard enter(int... channels) {
        if (!affected(channels) || "off".equals(System.getProperty(PROPERTY))) return new ChannelRaceGuard(null);
        Thread t = Thread.currentThread();
        int[] state = OPEN.computeIfAbsent(t, k -> new int[] {0, 0});
        if (state[0]++ == 0) {
            state[1] = JniUtils.getNumThreads();
            JniUtils.setNumThreads(1);
        }
        return new ChannelRaceGuard(t);
    }

    /** Whether this guard put its thread on one engine thread. */
    public boolean active() {
        return owner != null;
    }

    @Override
    public void close() {
        if (owner == null || closed) return;
        closed = true;
        int[] state = OPEN.get(owner);
        if (state == null || --state[0] > 0) return;
        OPEN.remove(owner);
        // only the thread itself can set its own count back
        if (Thread.currentThread() == owner) JniUtils.setNumThreads(state[1]);
    }
}
