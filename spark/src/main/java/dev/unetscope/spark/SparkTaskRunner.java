package dev.unetscope.spark;

import dev.unetscope.io.BadInputException;
import dev.unetscope.model.EngineEnvironment;
import dev.unetscope.pipeline.Progress;
import dev.unetscope.pipeline.TaskRunner;
import org.apache.spark.SparkConf;
import org.apache.spark.Success$;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The per-checkpoint tasks of a stage as one Spark job: one partition, hence one task, per input.
 * Each task runs the stage's self-contained work on an executor (on the GPU Spark assigned the task,
 * where it assigned one) and returns its typed result to the driver, which hands it to the stage as
 * soon as that task finishes; the stage alone writes the tables. Executors get the oneDNN cap,
 * passive OpenMP waiting and the offline DJL settings in their environment, and optionally a fixed
 * number of PyTorch threads (and Spark cores) per task. A failed task is retried by Spark; the failure is
 * reported as one progress line.
 */
public final class SparkTaskRunner implements TaskRunner {
    /** {@code --spark submit}: the master and settings come from spark-submit. */
    public static final String SUBMITTED = "submit";

    private final JavaSparkContext sc;

    /**
     * @param threads PyTorch threads (and Spark cores) per task on a cluster's executors; 0 keeps PyTorch's
     *                default (all cores), which is what a plain run uses. In {@code local[N]} the tasks share
     *                this JVM's PyTorch engine and its threads.
     */
    public SparkTaskRunner(String master, int threads, Progress progress) {
        sc = new JavaSparkContext(configuration(new SparkConf(), master, threads, System.getProperty("java.class.path")));
        sc.sc().addSparkListener(new FailedTasks(progress));
    }

    /** The application's settings: what the user or spark-submit set wins over these defaults, except the master. */
    static SparkConf configuration(SparkConf conf, String master, int threads, String classPath) {
        return configuration(conf, master, threads, classPath, System.getenv());
    }

    /** As above, with {@code driverEnv} standing for the driver's environment. */
    static SparkConf configuration(SparkConf conf, String master, int threads, String classPath, Map<String, String> driverEnv) {
        if (!SUBMITTED.equals(master)) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            throw new BadInputException("--spark submit found no master (spark.master is not set)",
                    "run it under spark-submit --master ..., or give --spark local[N] or --spark spark://HOST:7077");
        }
        conf.setIfMissing("spark.app.name", "unetscope");
        // the same environment bin/unetscope gives the CLI (model/EngineEnvironment: the AVX-512 fault, OpenMP's waiting, glibc's heap),
        // from the driver's, where spark.executorEnv does not already say
        Map<String, String> given = new HashMap<>(driverEnv);
        for (EngineEnvironment.Variable v : EngineEnvironment.DEFAULTS) {
            String key = "spark.executorEnv." + v.name();
            if (conf.contains(key)) given.put(v.name(), conf.get(key));
        }
        EngineEnvironment.resolve(given).forEach((name, value) -> conf.setIfMissing("spark.executorEnv." + name, value));
        conf.setIfMissing("spark.executorEnv.DJL_OFFLINE", "true");
        conf.setIfMissing("spark.executorEnv.OPT_OUT_TRACKING", "true");
        String opts = "-Djava.awt.headless=true";
        boolean local = conf.get("spark.master").startsWith("local");
        if (threads > 0 && !local) {
            // PyTorch's sums depend on its thread count: results equal a plain run's with the same number of threads.
            // Without this, Spark gives executors OMP_NUM_THREADS = spark.task.cpus (1)
            conf.set("spark.task.cpus", Integer.toString(threads));
            conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(threads));
            opts += " -Dai.djl.pytorch.num_threads=" + threads;
        }
        conf.set("spark.executor.extraJavaOptions", (conf.get("spark.executor.extraJavaOptions", "") + " " + opts).strip());
        // executors load unetscope, DJL and the PyTorch natives from the same jars as the driver (an install on the shared mount)
        if (!local && classPath != null) conf.setIfMissing("spark.executor.extraClassPath", classPath);
        return conf;
    }

    @Override
    public <I extends Serializable, O extends Serializable> void run(List<I> inputs, Work<I, O> work, Consumer<O> onResult) {
        if (inputs.isEmpty()) return;
        RDD<I> rdd = sc.parallelize(inputs, inputs.size()).rdd();
        @SuppressWarnings("unchecked")
        ClassTag<O> tag = (ClassTag<O>) (ClassTag<?>) ClassTag$.MODULE$.apply(Object.class);
        try {
            sc.sc().runJob(rdd, new Task<>(work), new Arrived<>(onResult), tag);
        } catch (Exception e) { // SparkException is checked in Java's eyes but thrown undeclared from Scala
            throw userFault(e);
        }
    }

    /** A task's bad input (an executor that cannot read the experiment) as the one line the user sees, else the failure itself. */
    static RuntimeException userFault(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadInputException b) return new BadInputException(b.getMessage(), null);
        }
        String m = String.valueOf(e.getMessage());
        String marker = BadInputException.class.getName() + ": ";
        int at = m.indexOf(marker);
        if (at >= 0) return new BadInputException(m.substring(at + marker.length()).lines().findFirst().orElse("").strip(), null);
        return e instanceof RuntimeException re ? re : new IllegalStateException("the Spark job failed: " + m.lines().findFirst().orElse(""), e);
    }

    @Override
    public boolean local() {
        return false;
    }

    @Override
    public void close() {
        sc.stop();
    }

    /** What runs on an executor: the work on the partition's one input, on the task's GPU where Spark assigned one. */
    private static final class Task<I, O> extends AbstractFunction2<TaskContext, Iterator<I>, O> implements Serializable {
        private final Work<I, O> work;

        Task(Work<I, O> work) {
            this.work = work;
        }

        @Override
        public O apply(TaskContext context, Iterator<I> partition) {
            TaskDevice.select(context);
            return work.apply(partition.next());
        }
    }

    /** Runs on the driver as each task finishes. */
    private static final class Arrived<O> extends AbstractFunction2<Object, O, BoxedUnit> implements Serializable {
        private final transient Consumer<O> onResult;

        Arrived(Consumer<O> onResult) {
            this.onResult = onResult;
        }

        @Override
        public BoxedUnit apply(Object partition, O result) {
            onResult.accept(result);
            return BoxedUnit.UNIT;
        }
    }

    /** One progress line per failed task attempt (a lost executor, an error); Spark schedules the retry. */
    private static final class FailedTasks extends SparkListener {
        private final Progress progress;

        FailedTasks(Progress progress) {
            this.progress = progress;
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.reason() == Success$.MODULE$) return;
            String why = end.reason().toString().lines().findFirst().orElse("");
            progress.info("task " + end.taskInfo().index() + " (attempt " + end.taskInfo().attemptNumber() + ") failed on executor "
                    + end.taskInfo().executorId() + " at " + end.taskInfo().host() + ": " + why + "; Spark runs it again");
        }
    }
}
