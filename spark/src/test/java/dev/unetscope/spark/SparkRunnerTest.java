package dev.unetscope.spark;

import dev.unetscope.cli.CliRun;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.model.EngineEnvironment;
import dev.unetscope.pipeline.AnalysisTask;
import dev.unetscope.pipeline.Progress;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --spark} gives the same results folder as a plain run, byte for byte: in {@code local[2]}
 * and on a real standalone cluster on 127.0.0.1 (a Master and two Workers in their own JVMs), also
 * when an executor is killed in the middle of the job. An executor that cannot read the experiment
 * fails the run in one line naming its host and the path.
 */
class SparkRunnerTest {
    /** Quick analysis settings: the tables' equality, not the metrics' quality, is under test. */
    static final List<String> ANALYSIS = List.of("--samples-per-case", "300", "--mixture-k", "1,2", "--resamples", "100");

    @TempDir
    static Path tmp;
    static Path base;
    static Path plain;

    /** A tiny experiment with 4 checkpoints (2 runs x 2), and its results made without Spark (--jobs 1). */
    @BeforeAll
    static void plainRun() throws IOException {
        base = tmp.resolve("base");
        TinyExperiment.create(base, 8);
        TinyExperiment.trainTiny(base, "dice,bce", 4, 2);
        plain = copy(base, tmp.resolve("plain"));
        assertThat(cli("evaluate", "--experiment", plain.toString()).code()).isZero();
        assertThat(cli(analyze(plain, "--jobs", "1")).code()).isZero();
        assertThat(plain.resolve("results/layers.csv")).isRegularFile();
    }

    @Test
    void executorsGetTheLaunchersEngineEnvironmentUnlessTheUserSetIt() {
        // nothing set anywhere: the launcher's defaults
        org.apache.spark.SparkConf plain = SparkTaskRunner.configuration(new org.apache.spark.SparkConf(false), "local[1]", 0, null, Map.of());
        for (EngineEnvironment.Variable v : EngineEnvironment.DEFAULTS) {
            assertThat(plain.get("spark.executorEnv." + v.name())).as(v.name()).isEqualTo(v.value());
        }
        // the driver's value wins over the default, spark.executorEnv over both; an empty value counts as unset
        org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false).set("spark.executorEnv.MALLOC_TRIM_THRESHOLD_", "1");
        SparkTaskRunner.configuration(conf, "local[1]", 0, null,
                Map.of("MALLOC_TRIM_THRESHOLD_", "2", "MALLOC_MMAP_THRESHOLD_", "3", "ONEDNN_MAX_CPU_ISA", ""));
        assertThat(conf.get("spark.executorEnv.MALLOC_TRIM_THRESHOLD_")).isEqualTo("1");
        assertThat(conf.get("spark.executorEnv.MALLOC_MMAP_THRESHOLD_")).isEqualTo("3");
        assertThat(conf.get("spark.executorEnv.ONEDNN_MAX_CPU_ISA")).isEqualTo("AVX2");
        // executors told to spin (ACTIVE) get no spin count, which would cut that spin short
        org.apache.spark.SparkConf active = new org.apache.spark.SparkConf(false).set("spark.executorEnv.OMP_WAIT_POLICY", "ACTIVE");
        SparkTaskRunner.configuration(active, "local[1]", 0, null, Map.of());
        assertThat(active.contains("spark.executorEnv.GOMP_SPINCOUNT")).isFalse();
        assertThat(active.get("spark.executorEnv.OMP_WAIT_POLICY")).isEqualTo("ACTIVE");
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void localSparkGivesThePlainTables() throws IOException {
        Path ex = copy(base, tmp.resolve("local"));
        CliRun ev = cli("evaluate", "--experiment", ex.toString(), "--spark", "local[2]");
        assertThat(ev.code()).as(ev.err()).isZero();
        CliRun an = cli(analyze(ex, "--spark", "local[2]"));
        assertThat(an.code()).as(an.err()).isZero();
        assertThat(an.out() + an.err()).contains("analysed bce step 4");
        assertSameResults(ex);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anExecutorThatCannotReadTheExperimentFailsInOneLine() throws IOException {
        Path missing = tmp.resolve("not-shared/exp");
        try (SparkTaskRunner r = new SparkTaskRunner("local[1]", 0, Progress.NONE)) {
            assertThatThrownBy(() -> r.run(List.of(new CheckpointId("dice", 4)),
                    new AnalysisTask(missing.toString(), AnalysisConfig.defaults(), List.of("test"), Map.of()), s -> { }))
                    .isInstanceOf(BadInputException.class)
                    .hasMessageStartingWith(missing.resolve("experiment.json") + ": cannot be read on executor host " + host())
                    .hasMessageContaining("shared mount")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void standaloneClusterGivesThePlainTablesEvenWhenAnExecutorDies() throws Exception {
        Map<String, String> driver = Map.of("spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1", "spark.ui.enabled", "false",
                "spark.executor.memory", "768m", "spark.scheduler.minRegisteredResourcesRatio", "1.0",
                "spark.scheduler.maxRegisteredResourcesWaitingTime", "60s", "spark.ui.showConsoleProgress", "false");
        // PyTorch's sums depend on its thread count: tasks get as many threads (and cores) as the plain run in this JVM used
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        String[] spark = {"--spark", null, "--spark-threads", Integer.toString(threads)};
        driver.forEach(System::setProperty);
        System.setProperty("spark.cores.max", Integer.toString(2 * threads));
        try (StandaloneCluster cluster = new StandaloneCluster(Files.createDirectories(tmp.resolve("cluster")), 2, threads, Duration.ofSeconds(90))) {
            spark[1] = cluster.url();
            Path ex = copy(base, tmp.resolve("cluster-run"));
            CliRun ev = cli(concat(new String[] {"evaluate", "--experiment", ex.toString()}, spark));
            assertThat(ev.code()).as(ev.err()).isZero();
            Path again = copy(ex, tmp.resolve("cluster-kill")); // evaluated, not analysed
            CliRun an = cli(analyze(ex, spark));
            assertThat(an.code()).as(an.err()).isZero();
            assertSameResults(ex);

            // kill worker 0's executor once the first checkpoint's rows are in: the other tasks are running or waiting
            CompletableFuture<CliRun> job = CompletableFuture.supplyAsync(() -> cli(analyze(again, spark)));
            ProcessHandle killed = null;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (killed == null && !job.isDone() && System.nanoTime() < end) {
                if (committedPart(again.resolve("results"))) {
                    List<ProcessHandle> executors = new ArrayList<>(cluster.executors(0));
                    executors.addAll(cluster.executors(1));
                    if (!executors.isEmpty()) {
                        killed = executors.get(0);
                        killed.destroyForcibly();
                    }
                }
                Thread.sleep(100);
            }
            CliRun k = job.get(240, TimeUnit.SECONDS);
            assertThat(killed).as("an executor was killed while the job ran").isNotNull();
            assertThat(k.code()).as(k.err()).isZero();
            assertThat(k.out() + k.err()).contains("Spark runs it again");
            assertSameResults(again);

            // an executor in another JVM that cannot read the experiment: one line naming its host and the path
            Path missing = tmp.resolve("not-shared/exp");
            try (SparkTaskRunner r = new SparkTaskRunner(cluster.url(), 0, Progress.NONE)) {
                assertThatThrownBy(() -> r.run(List.of(new CheckpointId("dice", 4)),
                        new AnalysisTask(missing.toString(), AnalysisConfig.defaults(), List.of("test"), Map.of()), s -> { }))
                        .isInstanceOf(BadInputException.class)
                        .hasMessageStartingWith(missing.resolve("experiment.json") + ": cannot be read on executor host " + host())
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            }
        } finally {
            driver.keySet().forEach(System::clearProperty);
            System.clearProperty("spark.cores.max");
        }
    }

    static String[] analyze(Path ex, String... more) {
        List<String> a = new ArrayList<>(List.of("analyze", "--experiment", ex.toString()));
        a.addAll(ANALYSIS);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    /** Every file of results/ is in both folders and the same, byte for byte. */
    static void assertSameResults(Path ex) throws IOException {
        List<String> names = names(plain.resolve("results"));
        assertThat(names(ex.resolve("results"))).isEqualTo(names);
        assertThat(names).contains("layers.csv", "case_scores.csv", "checkpoints.csv", "cases.csv", "validation_scores.csv", "correlations.csv");
        for (String f : names) {
            byte[] got = Files.readAllBytes(ex.resolve("results").resolve(f)), want = Files.readAllBytes(plain.resolve("results").resolve(f));
            if (!java.util.Arrays.equals(got, want)) assertThat(new String(got, StandardCharsets.UTF_8)).as(f).isEqualTo(new String(want, StandardCharsets.UTF_8));
            assertThat(got).as(f).isEqualTo(want);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return to;
    }

    static String host() throws IOException {
        return InetAddress.getLocalHost().getHostName();
    }

    /** Runs the CLI in this JVM and captures what it printed (the core's test helper). */
    static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    /** Whether a checkpoint's rows are in: a part of the analysis committed (its layers.csv, ResultsStore.PARTS). */
    private static boolean committedPart(Path results) {
        Path parts = results.resolve(dev.unetscope.pipeline.ResultsStore.PARTS);
        if (!Files.isDirectory(parts)) return false;
        try (var walk = Files.walk(parts)) {
            return walk.anyMatch(p -> p.getFileName().toString().equals("layers.csv"));
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return false; // the folder changed while it was listed: look again
        }
    }
}
