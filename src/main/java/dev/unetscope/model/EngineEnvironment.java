package dev.unetscope.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The environment variables that the engine's native libraries read once, when they load (so Java
 * cannot set them), with the value {@code bin/unetscope} gives each one the user left unset or empty
 * (the spin count only under {@code OMP_WAIT_POLICY=PASSIVE}: {@link #resolve}). The
 * launcher, the test runner ({@code bin/test}, surefire) and Spark's executors ({@link #resolve}) give the same values;
 * {@code EngineEnvironmentTest} holds them to this list. {@code unetscope doctor} prints what this
 * process got.
 */
public final class EngineEnvironment {
    /** One variable, the value unetscope runs with, and why. */
    public record Variable(String name, String value, String why) {}

    public static final List<Variable> DEFAULTS = List.of(
            new Variable("ONEDNN_MAX_CPU_ISA", "AVX2",
                    "oneDNN's AVX-512 path computes wrong 3D convolutions on some CPUs ('unetscope doctor' checks)"),
            new Variable("OMP_WAIT_POLICY", "PASSIVE",
                    "libgomp's default keeps idle threads spinning for about 3 ms: 10x the CPU on a busy 2-core machine"),
            new Variable("GOMP_SPINCOUNT", "10000",
                    "a thread that sleeps the moment an operator ends must be woken for the next one (about 50 us, thousands of times a step): "
                            + "spin about 0.1 ms first (not at all where there are more OpenMP threads than cores: libgomp's throttled count, 0 under PASSIVE)"),
            new Variable("MALLOC_TRIM_THRESHOLD_", "268435456",
                    "glibc otherwise returns freed tensors' memory to the kernel once the free top of its heap passes its dynamic trim threshold "
                            + "(about 25 MB here), and every pass faults it in again; setting either MALLOC_ variable turns the dynamic thresholds off"),
            new Variable("MALLOC_MMAP_THRESHOLD_", "67108864",
                    "tensors up to 64 MB come from glibc's heap (kept, reused) instead of a fresh mapping each"));

    private EngineEnvironment() {}

    /** The value unetscope runs with. */
    public static String defaultOf(String name) {
        for (Variable v : DEFAULTS) if (v.name().equals(name)) return v.value();
        throw new IllegalArgumentException("not an engine variable: " + name);
    }

    /**
     * What {@code bin/unetscope} makes of the environment {@code given}: each variable keeps a value
     * set and not empty, otherwise gets its default; except {@code GOMP_SPINCOUNT}, which gets its
     * default only under {@code OMP_WAIT_POLICY=PASSIVE} (an explicit spin count would cut ACTIVE's
     * spin short), so under another policy it is absent unless given.
     */
    public static Map<String, String> resolve(Map<String, String> given) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Variable v : DEFAULTS) {
            String got = given.get(v.name());
            if (got != null && !got.isEmpty()) {
                out.put(v.name(), got);
            } else if (!v.name().equals("GOMP_SPINCOUNT") || "PASSIVE".equalsIgnoreCase(out.get("OMP_WAIT_POLICY"))) {
                out.put(v.name(), v.value());
            }
        }
        return out;
    }

    /** A line per variable: its value in this process, or that it is unset and what bin/unetscope would set. */
    public static List<String> describe() {
        return describe(System.getenv());
    }

    static List<String> describe(Map<String, String> env) {
        List<String> out = new ArrayList<>();
        Map<String, String> launcher = resolve(env);
        for (Variable v : DEFAULTS) {
            String got = env.get(v.name());
            if (got == null || got.isEmpty()) {
                String would = launcher.get(v.name());
                out.add(v.name() + ": unset (" + (would == null ? "bin/unetscope leaves it unset under OMP_WAIT_POLICY=" + launcher.get("OMP_WAIT_POLICY")
                        : "bin/unetscope sets " + would) + ": " + v.why() + ")");
            } else {
                out.add(v.name() + ": " + got + (got.equals(v.value()) ? "" : " (unetscope's default is " + v.value() + ")"));
            }
        }
        return out;
    }
}
