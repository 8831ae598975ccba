package dev.unetscope.io;

/** CPU time of this process, for the benchmarks: steadier than wall time on a shared machine, though threads spinning at a barrier count as busy. */
public final class ProcessCpu {
    private ProcessCpu() {}

    /** CPU time of this process, all threads, in nanoseconds (0 where the JVM cannot tell). */
    public static long nanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean o ? o.getProcessCpuTime() : 0;
    }
}
