package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.pipeline.AnalyzeService;
import dev.unetscope.pipeline.MergeService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Joins the shards of evaluate and analyze into results/, then correlates as analyze does. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Join the shards that 'evaluate --shard I/N' and 'analyze --shard I/N' wrote (shards/STAGE/I-of-N/) into results/*.csv, "
                + "the same files one run on one machine writes, then compute the correlations, the predictor and the failure flags. A missing, "
                + "unfinished or duplicated shard, shards of different N, or shards made with other settings are refused in one line; nothing is merged.")
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder (on a file system every node saw).")
    Path experiment;

    @picocli.CommandLine.Mixin
    CorrelateOptions correlateOptions = new CorrelateOptions();

    @picocli.CommandLine.Mixin
    LockOptions lock = new LockOptions();

    @Override
    public Integer call() throws Exception {
        Experiment.open(experiment); // refuses a folder that is no experiment before locking anything
        return lock.locked(experiment, this::run);
    }

    private Integer run() {
        Experiment exp = Experiment.open(experiment);
        AnalysisConfig cfg = AnalyzeService.recorded(exp);
        long seed = (cfg == null ? AnalysisConfig.defaults() : cfg).seed();
        Console console = new Console(false).on(exp);
        MergeService.Result r = new MergeService().run(exp, new MergeService.Settings(correlateOptions.settings(exp, seed)), console);
        console.finished("merge", r);
        if (r.correlate() != null) console.finished("correlate", r.correlate());
        return 0;
    }
}
