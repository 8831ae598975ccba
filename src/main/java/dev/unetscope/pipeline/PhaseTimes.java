package dev.unetscope.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Wall time summed by named phase, for {@code unetscope bench analyze}: where one checkpoint's
 * analysis spends its time. {@link #NONE} times nothing (the plain analysis path), so the
 * instrumentation costs a method call and changes no result.
 */
public final class PhaseTimes {
    /** Records nothing. */
    public static final PhaseTimes NONE = new PhaseTimes(false);

    private final boolean on;
    private final Map<String, long[]> nanos = new LinkedHashMap<>(); // phase -> {total ns, calls}

    private PhaseTimes(boolean on) {
        this.on = on;
    }

    /** A recorder that sums the phases it is given. */
    public static PhaseTimes recording() {
        return new PhaseTimes(true);
    }

    /** Runs {@code work}, adding its wall time to {@code phase}. */
    public <T> T time(String phase, Supplier<T> work) {
        if (!on) return work.get();
        long t0 = System.nanoTime();
        try {
            return work.get();
        } finally {
            add(phase, System.nanoTime() - t0);
        }
    }

    /** As above for work without a result. */
    public void run(String phase, Runnable work) {
        time(phase, () -> {
            work.run();
            return null;
        });
    }

    /** Adds {@code ns} nanoseconds (one call) to {@code phase}. */
    public synchronized void add(String phase, long ns) {
        if (!on) return;
        long[] t = nanos.computeIfAbsent(phase, p -> new long[2]);
        t[0] += ns;
        t[1]++;
    }

    /** Seconds by phase, in the order the phases were first seen. */
    public synchronized Map<String, Double> seconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : nanos.entrySet()) out.put(e.getKey(), e.getValue()[0] / 1e9);
        return out;
    }

    /** Times each phase was entered, in the same order as {@link #seconds()}. */
    public synchronized Map<String, Long> calls() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : nanos.entrySet()) out.put(e.getKey(), e.getValue()[1]);
        return out;
    }
}
