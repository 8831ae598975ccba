package dev.unetscope.cli;

import dev.unetscope.pipeline.Progress;
import dev.unetscope.pipeline.TaskRunner;
import picocli.CommandLine.Option;

/** {@code --spark MASTER} and {@code --spark-threads N}: run the per-checkpoint tasks on Apache Spark (the separate unetscope-spark module). */
final class SparkOptions {
    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Run one task per checkpoint on Apache Spark: local[N], spark://HOST:7077, or 'submit' under spark-submit (YARN, Kubernetes). "
                    + "The experiment folder must be on a file system every executor sees at the same path.")
    String master;

    @Option(names = "--spark-threads", defaultValue = "0", paramLabel = "N",
            description = "PyTorch threads (and Spark cores) per task on a cluster's executors; default: PyTorch's own (all cores), as a plain run. "
                    + "Results are byte-identical to a plain run with the same PyTorch thread count.")
    int threads;

    /** The Spark runner when {@code --spark} was given, else null (threads of this JVM); the Spark classes load only then. */
    TaskRunner runner(Progress progress) {
        if (master == null) return null;
        if (threads < 0) throw new dev.unetscope.io.BadInputException("--spark-threads " + threads + " must be 1 or more", "leave it out for Spark's default of one thread per task");
        return TaskRunner.spark(master, threads, progress);
    }
}
