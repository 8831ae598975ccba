package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.pipeline.EvaluateService;
import dev.unetscope.pipeline.TaskRunner;
import dev.unetscope.pipeline.Shard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Ground-truth IoU and Dice of every checkpoint on every query set (for evaluating the predictors only). */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure every checkpoint's IoU and Dice on the test split and each query set (results/cases.csv, results/checkpoints.csv); resumable.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--query", paramLabel = "NAME=DATASET", description = "Add a query set (a dataset folder, labelled or not: unlabelled sets are not evaluated, analyze scores them); repeatable. Default: the experiment's query sets.")
    List<String> extra = new ArrayList<>();

    @Option(names = "--recompute", description = "Evaluate again the checkpoints whose rows were made with other settings (preprocessing, threshold).")
    boolean recompute;

    @Option(names = "--shard", paramLabel = "I/N", description = "Evaluate only shard I of N (I from 0 to N-1; checkpoint p of the sorted list goes to shard p mod N) "
            + "into shards/evaluate/I-of-N/; 'unetscope merge' joins the shards. E.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT.")
    String shard;

    @picocli.CommandLine.Mixin
    LockOptions lock = new LockOptions();

    @picocli.CommandLine.Mixin
    SparkOptions spark = new SparkOptions();

    @Override
    public Integer call() throws Exception {
        return lock.lockedStage(experiment, shard, EvaluateService.STAGE, this::run);
    }

    private Integer run() {
        Experiment exp = Experiment.open(experiment);
        Map<String, Path> queries = new LinkedHashMap<>();
        for (String q : extra) {
            int eq = q.indexOf('=');
            if (eq <= 0) throw new BadInputException("--query " + q + " is not NAME=DATASET_DIR", "e.g. --query hospitalB=/data/hospitalB");
            queries.put(q.substring(0, eq), Path.of(q.substring(eq + 1)));
        }
        Shard part = shard == null ? null : Shard.parse(shard);
        Console console = new Console(false).on(exp);
        try (TaskRunner runner = spark.runner(console)) {
            console.finished("evaluate", new EvaluateService(runner).run(exp, new EvaluateService.Settings(queries, recompute, part), console));
        }
        if (part != null) {
            System.out.println("shard " + part + " written to " + part.dir(exp, EvaluateService.STAGE) + "; when every shard has finished: unetscope merge --experiment " + experiment);
        }
        return 0;
    }
}
