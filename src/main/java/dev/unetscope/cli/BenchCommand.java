package dev.unetscope.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.UNetConfig;
import dev.unetscope.train.TrainingBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Speed of the network on this machine: median seconds per training step and per inferred
 * volume after warm-up. The defaults are the reference config that {@code bench/reference_torch.py}
 * rebuilds in plain PyTorch, so the two can be timed side by side.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time training steps and inference of the UNet (median after warm-up); defaults are the plain-PyTorch reference config.",
        subcommands = {BenchCommand.Train.class, BenchCommand.Infer.class, BenchCommand.Metrics.class, BenchCommand.Analyze.class,
                BenchCommand.ReportTables.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Median seconds per training step (forward, loss, backward, Adam), split into forward / backward / update.")
    static final class Train implements Callable<Integer> {
        @Mixin
        BenchOptions opts = new BenchOptions();

        @Option(names = "--objective", defaultValue = "dice", description = "dice, bce, focal or tversky (default ${DEFAULT-VALUE}).")
        String objective;

        @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
        double lr;

        @Override
        public Integer call() {
            TrainingBenchmark.train(opts.setup(objective, lr), System.out);
            return 0;
        }
    }

    @Command(name = "infer", mixinStandardHelpOptions = true,
            description = "Median seconds per inferred volume (no autograd, batch norm on running statistics, probabilities copied back).")
    static final class Infer implements Callable<Integer> {
        @Mixin
        BenchOptions opts = new BenchOptions();

        @Option(names = "--model", paramLabel = "FILE.pt",
                description = "Time this imported TorchScript network (with NAME.json beside it) instead of the reference config; "
                        + "bench/reference_torchscript.py times the same file and its eager module in PyTorch.")
        Path model;

        @Option(names = "--patch", split = ",", paramLabel = "D,H,W",
                description = "Infer by sliding window with this patch (as import --patch does), to compare with whole volumes.")
        java.util.List<Integer> patch;

        @Override
        public Integer call() {
            TrainingBenchmark.infer(opts.setup("dice", 1e-3, model == null), model,
                    patch == null ? null : patch.stream().mapToInt(Integer::intValue).toArray(), System.out);
            return 0;
        }
    }

    @Command(name = "metrics", mixinStandardHelpOptions = true,
            description = "Time k-means (k 8, 3 restarts), diagonal and full Gaussian mixtures (k 4, fit + score) and Davies-Bouldin on seeded "
                    + "Gaussian blobs, each on its own line; bench/reference_sklearn.py does the same with scikit-learn.")
    static final class Metrics implements Callable<Integer> {
        @Option(names = "--points", defaultValue = "200000", description = "Points (default ${DEFAULT-VALUE}).")
        int points;

        @Option(names = "--dims", defaultValue = "32", description = "Dimensions (default ${DEFAULT-VALUE}).")
        int dims;

        @Option(names = "--threads", defaultValue = "2", description = "Threads of the engine and of the CPU metrics (default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--repeats", defaultValue = "3", description = "Runs of each line; the median is printed (default ${DEFAULT-VALUE}).")
        int repeats;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the blobs (default ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            if (points < 16 || dims < 1 || repeats < 1 || threads < 1) {
                throw new dev.unetscope.io.BadInputException("--points, --dims, --repeats and --threads must be positive (points at least 16)", null);
            }
            // read once, when the engine starts
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            // the CPU metrics run on the common pool plus the calling thread: threads in all
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", Integer.toString(threads - 1));
            System.out.print(dev.unetscope.metrics.ClusterBenchmark.run(points, dims, repeats, seed).format());
            return 0;
        }
    }

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "Time one checkpoint's analysis by phase (inference with taps, mixture fits, roughness k-means, Davies-Bouldin, TTA, "
                    + "baselines, agreement, CSV tables) with the experiment's recorded analysis settings; the experiment is only read.")
    static final class Analyze implements Callable<Integer> {
        @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder (trained).")
        Path experiment;

        @Option(names = "--checkpoint", required = true, paramLabel = "RUN:STEP", description = "The checkpoint to analyse, e.g. dice:500 (RUN alone: its last).")
        String checkpoint;

        @Option(names = "--repeats", defaultValue = "3", description = "Analyses of the checkpoint; each phase's median is printed (default ${DEFAULT-VALUE}).")
        int repeats;

        @Override
        public Integer call() {
            var exp = dev.unetscope.experiment.Experiment.open(experiment);
            var console = new Console(false);
            System.out.print(dev.unetscope.pipeline.AnalysisBenchmark.run(exp, checkpoint, repeats, console).format());
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Time the report on synthetic results tables at the seed's scale (default 120 checkpoints x 7000 case rows = 840,000 rows in "
                    + "cases.csv and case_scores.csv) and print the heap it peaked at, the figures and the page's size; no checkpoints, so no strips or viewer.")
    static final class ReportTables implements Callable<Integer> {
        @Option(names = "--checkpoints", defaultValue = "120", description = "Checkpoints, spread over the runs (default ${DEFAULT-VALUE}).")
        int checkpoints;

        @Option(names = "--cases", defaultValue = "7000", description = "Case rows per checkpoint, spread over the query sets (default ${DEFAULT-VALUE}).")
        int cases;

        @Option(names = "--runs", defaultValue = "4", description = "Runs (objectives) (default ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--sets", defaultValue = "7", description = "Query sets (default ${DEFAULT-VALUE}).")
        int sets;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the synthetic values (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--out", paramLabel = "DIR", description = "Write the synthetic experiment here and keep it (must not exist); default a temporary folder, removed after.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (checkpoints < 1 || cases < 1 || runs < 1 || sets < 1) throw new BadInputException("--checkpoints, --cases, --runs and --sets must be positive", null);
            if (out != null && java.nio.file.Files.exists(out)) throw new BadInputException(out, "already exists", "give a new folder to --out");
            Path dir = out != null ? out : java.nio.file.Files.createTempDirectory("unetscope-bench-report").resolve("e");
            try {
                System.out.print(dev.unetscope.pipeline.ReportBenchmark.run(dir, checkpoints, cases, runs, sets, seed, new Console(false)).format());
            } finally {
                if (out == null) deleteTree(dir.getParent());
            }
            return 0;
        }

        private static void deleteTree(Path p) throws java.io.IOException {
            try (var s = java.nio.file.Files.walk(p)) {
                for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(q);
            }
        }
    }

    /** The knobs of the reference config, each with its reference value as default. */
    static final class BenchOptions {
        @Option(names = "--channels", split = ",", defaultValue = "8,16,32,64", paramLabel = "C1,C2,...",
                description = "Channels per level, top to bottleneck (default ${DEFAULT-VALUE}).")
        int[] channels;

        @Option(names = "--res-units", defaultValue = "1", description = "Convolution sub-units per residual unit (default ${DEFAULT-VALUE}).")
        int resUnits;

        @Option(names = "--norm", defaultValue = "batch", description = "batch or instance (default ${DEFAULT-VALUE}).")
        String norm;

        @Option(names = "--act", defaultValue = "relu", description = "relu or prelu (default ${DEFAULT-VALUE}).")
        String act;

        @Option(names = "--strides", split = ",", paramLabel = "S1,S2,...",
                description = "Stride of each level below the top, 1 or 2 (default all 2).")
        int[] strides;

        @Option(names = "--batch", defaultValue = "2", description = "Volumes per step or inference call (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--shape", split = ",", defaultValue = "32,64,64", paramLabel = "D,H,W",
                description = "Volume size, slices first (default ${DEFAULT-VALUE}).")
        int[] shape;

        @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads of the engine (default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--interop-threads", defaultValue = "1",
                description = "Inter-op threads; takes effect only when the engine has not started yet (default ${DEFAULT-VALUE}).")
        int interopThreads;

        @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--steps", defaultValue = "10", description = "Timed steps (default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--profile", paramLabel = "FILE",
                description = "Also record the engine's operator profile of the timed steps as a Chrome trace (JSON) in FILE; slows them.")
        Path profile;

        TrainingBenchmark.Setup setup(String objective, double lr) {
            return setup(objective, lr, true);
        }

        /** {@code checkShape}: the shape must divide by the reference config's strides (not for an imported network, which pads). */
        TrainingBenchmark.Setup setup(String objective, double lr, boolean checkShape) {
            if (shape.length != 3) throw new BadInputException("--shape needs D,H,W, got " + shape.length + " numbers", "give e.g. 32,64,64");
            if (batch < 1 || threads < 1 || interopThreads < 1 || warmup < 0 || steps < 1) {
                throw new BadInputException("--batch, --threads, --interop-threads and --steps must be >= 1 and --warmup >= 0", null);
            }
            UNetConfig cfg = new UNetConfig(channels, strides, resUnits, NetworkOptions.parse(UNetConfig.Norm.class, norm, "--norm"),
                    NetworkOptions.parse(UNetConfig.Activation.class, act, "--act"), 0, 1);
            int m = cfg.sizeMultiple();
            for (int s : shape) {
                if (s < 1 || (checkShape && s % m != 0)) throw new BadInputException("--shape " + s + " does not divide by " + m, "give dims that divide by the product of the strides");
            }
            setThreads();
            return new TrainingBenchmark.Setup(cfg, objective, batch, shape[0], shape[1], shape[2], warmup, steps, lr, profile);
        }

        /**
         * DJL reads these properties when the engine starts; set them first, then set the intra-op
         * count directly too, in case the engine was already running (tests run in one JVM).
         */
        private void setThreads() {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interopThreads));
            Engine.getInstance();
            JniUtils.setNumThreads(threads);
            System.out.printf(Locale.ROOT, "threads: intra-op %d, inter-op %d; ONEDNN_MAX_CPU_ISA=%s%n", JniUtils.getNumThreads(),
                    JniUtils.getNumInteropThreads(), System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "(unset)"));
        }
    }
}
