package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.pipeline.AnalyzeService;
import dev.unetscope.pipeline.CorrelateService;
import dev.unetscope.pipeline.TaskRunner;
import dev.unetscope.pipeline.Shard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The seed's interior-feature metrics and the baselines for every checkpoint, query set and the
 * validation split, then the correlations with IoU. Every metric option defaults to the
 * experiment's recorded analysis settings (else to {@link AnalysisConfig#defaults()}).
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Compute db_labels, roughness, roughness_reverse, confidence and the baselines per checkpoint, set and layer "
                + "(results/layers.csv, results/case_scores.csv) and their combination (columns of results/checkpoints.csv), then correlate "
                + "them with IoU; resumable. Options not given keep the experiment's recorded analysis settings.")
final class AnalyzeCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--samples-per-case", description = "Receptive-field positions per case (default: recorded, else 2000).")
    Integer samplesPerCase;

    @Option(names = "--stratify", negatable = true, description = "Draw half the positions inside each checkpoint's predicted mask (label-free) (default: recorded, else off).")
    Boolean stratify;

    @Option(names = "--roughness-k", description = "k-means clusters for roughness (default: recorded, else 8).")
    Integer roughnessK;

    @Option(names = "--mixture-k", split = ",", description = "Mixture components K for confidence (default: recorded, else 1,2,4,8).")
    List<Integer> mixtureKs;

    @Option(names = "--families", split = ",", description = "Mixture families M (default: recorded, else diag,full).")
    List<String> families;

    @Option(names = "--layer-weight", paramLabel = "LAYER=W", description = "Weight of a layer in the combined confidence; repeatable (default: recorded, else 1 each).")
    Map<String, Double> weights;

    @Option(names = "--jacobian-probes", paramLabel = "K", description = "Gaussian probe fields of the Jacobian-norm estimate (score jacobian); 0 turns it off "
            + "(default: recorded, else " + AnalysisConfig.DEFAULT_JACOBIAN_PROBES + ").")
    Integer jacobianProbes;

    @Option(names = "--seed", description = "Seed of positions, k-means and mixtures (default: recorded, else 1).")
    Long seed;

    @Option(names = "--pca-components", description = "Principal components per layer for mahalanobis_pca (default: recorded, else 16).")
    Integer pcaComponents;

    @Option(names = "--knn-k", description = "k of knn_distance, the distance to the k-th nearest training point (default: recorded, else 5).")
    Integer knnK;

    @Option(names = "--knn-reference", description = "Training points per layer (seeded sample) searched by knn_distance (default: recorded, else 2048).")
    Integer knnReference;

    @Option(names = "--recompute", description = "Redo the checkpoints analysed with other settings instead of refusing.")
    boolean recompute;

    @Option(names = "--jobs", defaultValue = "1", description = "Checkpoints analysed in parallel, capped by the heap (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--shard", paramLabel = "I/N", description = "Analyse only shard I of N (I from 0 to N-1; checkpoint p of the sorted list goes to shard p mod N) "
            + "into shards/analyze/I-of-N/; 'unetscope merge' joins the shards and correlates. E.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT.")
    String shard;

    @picocli.CommandLine.Mixin
    CorrelateOptions correlateOptions = new CorrelateOptions();

    @picocli.CommandLine.Mixin
    SparkOptions spark = new SparkOptions();

    @picocli.CommandLine.Mixin
    LockOptions lock = new LockOptions();

    @Override
    public Integer call() throws Exception {
        return lock.lockedStage(experiment, shard, AnalyzeService.STAGE, this::run);
    }

    private Integer run() {
        Experiment exp = Experiment.open(experiment);
        AnalysisConfig cfg = settings(AnalyzeService.recorded(exp));
        Shard part = shard == null ? null : Shard.parse(shard);
        AnalyzeService.Settings settings = new AnalyzeService.Settings(cfg, jobs, recompute, part);
        CorrelateService.Settings correlate = correlateOptions.settings(exp, cfg.seed());
        Console console = new Console(false).on(exp);
        try (TaskRunner runner = spark.runner(console)) {
            console.finished("analyze", new AnalyzeService(runner).run(exp, settings, console));
        }
        if (part != null) {
            System.out.println("shard " + part + " written to " + part.dir(exp, AnalyzeService.STAGE) + "; when every shard has finished: unetscope merge --experiment " + experiment);
            return 0;
        }
        console.finished("correlate", new CorrelateService().run(exp, correlate, console));
        return 0;
    }

    /** The options given, over the recorded settings (or the defaults). */
    AnalysisConfig settings(AnalysisConfig recorded) {
        AnalysisConfig b = recorded == null ? AnalysisConfig.defaults() : recorded;
        long s = seed == null ? b.seed() : seed;
        return new AnalysisConfig(samplesPerCase == null ? b.samplesPerCase() : samplesPerCase, seed == null ? b.sampleSeed() : s,
                stratify == null ? b.stratify() : stratify, roughnessK == null ? b.roughnessK() : roughnessK, mixtureKs == null ? b.mixtureKs() : mixtureKs,
                families == null ? b.families() : families, weights == null ? b.layerWeights() : weights, s,
                pcaComponents == null ? b.pcaComponents() : pcaComponents, knnK == null ? b.knnK() : knnK,
                knnReference == null ? b.knnReference() : knnReference, jacobianProbes == null ? b.jacobianProbes() : jacobianProbes);
    }
}
