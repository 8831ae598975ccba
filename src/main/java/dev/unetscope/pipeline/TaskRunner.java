package dev.unetscope.pipeline;

import dev.unetscope.io.BadInputException;

import java.io.Serializable;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where a stage's per-checkpoint tasks run: threads in this JVM ({@link #local}) or the executors of
 * an Apache Spark cluster ({@link #spark}, from the separate unetscope-spark module). Tasks compute
 * and return their result; only the caller, on this JVM, writes the tables (through
 * {@link ResultsStore}), so the files do not depend on where the tasks ran.
 */
public interface TaskRunner extends AutoCloseable {
    /** The class of the Spark module's runner, loaded only when {@code --spark} is given. */
    String SPARK_RUNNER = "dev.unetscope.spark.SparkTaskRunner";

    /** One task's work: a function of its input, serialisable so a cluster can ship it to its executors. */
    interface Work<I, O> extends Serializable {
        O apply(I input);
    }

    /**
     * Runs {@code work} on every input, one task each, and hands each output to {@code onResult} in
     * this JVM (in any order; the results store sorts). A failed task fails the whole run.
     */
    <I extends Serializable, O extends Serializable> void run(List<I> inputs, Work<I, O> work, Consumer<O> onResult);

    /** Whether tasks run in this JVM, so their work may use data already loaded here instead of being self-contained. */
    boolean local();

    @Override
    void close();

    /** {@code jobs} threads of this JVM. */
    static TaskRunner local(int jobs) {
        return new LocalTaskRunner(jobs);
    }

    /**
     * A Spark application on {@code master} ({@code local[N]}, {@code spark://host:port}, or
     * {@code submit} for the master spark-submit configured) with {@code threads} PyTorch threads per
     * task on a cluster's executors (0: PyTorch's default, as a plain run). Refused in one line when
     * the Spark module is not on the classpath.
     */
    static TaskRunner spark(String master, int threads, Progress progress) {
        Class<?> c;
        try {
            c = Class.forName(SPARK_RUNNER);
        } catch (ClassNotFoundException e) {
            throw new BadInputException("--spark needs the Spark module (unetscope-spark), which is not on the classpath",
                    "run bin/unetscope, which builds it on first use (mvn -f reactor.xml -DskipTests package), or use spark-submit with spark/target/unetscope-spark.jar");
        }
        try {
            return (TaskRunner) c.getConstructor(String.class, int.class, Progress.class).newInstance(master, threads, progress);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
