package dev.unetscope.io;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named points where a test can make the process stop dead, to prove that a kill at exactly that
 * moment loses nothing. Off unless the system property {@code unetscope.haltAt} is set (the kill
 * tests set it on the child JVMs they start); it costs one field read otherwise.
 * <p>
 * {@code -Dunetscope.haltAt=POINT} or {@code POINT#N}: at the N-th time (default 1) this process
 * reaches POINT it calls {@link Runtime#halt} (exit 137, no shutdown hooks, no finally blocks: as
 * SIGKILL leaves it). {@code -Dunetscope.pauseAt=POINT[#N]} instead stops there for good, holding
 * whatever it holds (the experiment's lock), until it is killed. The points:
 * <ul>
 *   <li>{@code write:NAME}: a file named NAME is being written by {@link AtomicFile}: part of it is
 *       in the temporary file, none of it renamed;</li>
 *   <li>{@code rename:NAME}: the temporary file of NAME is complete, just before the rename.</li>
 * </ul>
 */
public final class HaltPoint {
    public static final String HALT_PROPERTY = "unetscope.haltAt";
    public static final String PAUSE_PROPERTY = "unetscope.pauseAt";
    private static final String HALT = System.getProperty(HALT_PROPERTY);
    private static final String PAUSE = System.getProperty(PAUSE_PROPERTY);
    private static final Map<String, AtomicInteger> SEEN = new ConcurrentHashMap<>();

    private HaltPoint() {}

    /** Called at the point {@code name}: halts or pauses the process when a test asked for it here. */
    public static void reached(String name) {
        if (HALT == null && PAUSE == null) return;
        int count = SEEN.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        if (matches(HALT, name, count)) {
            System.err.println("unetscope: halted at " + name + " #" + count + " (" + HALT_PROPERTY + ")");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
        if (matches(PAUSE, name, count)) {
            System.err.println("unetscope: paused at " + name + " #" + count + " (" + PAUSE_PROPERTY + ")");
            System.err.flush();
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // stay paused: only a kill ends this process
                }
            }
        }
    }

    private static boolean matches(String spec, String name, int count) {
        if (spec == null) return false;
        int hash = spec.lastIndexOf('#');
        String point = hash < 0 ? spec : spec.substring(0, hash);
        int n = hash < 0 ? 1 : Integer.parseInt(spec.substring(hash + 1));
        return point.equals(name) && count == n;
    }
}
