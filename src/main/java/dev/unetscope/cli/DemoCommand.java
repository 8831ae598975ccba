package dev.unetscope.cli;

import dev.unetscope.pipeline.DemoService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The whole pipeline on synthetic phantoms (or a real dataset) into an experiment folder; see {@link DemoService}. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the pipeline into an experiment folder: data (phantoms and shifted query sets, or --data), training, evaluation, "
                + "analysis, correlations and the report.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Experiment folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--cases", defaultValue = "40", description = "Phantoms in the cohort (default ${DEFAULT-VALUE}).")
    int cases;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the cohort and the split (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", defaultValue = "" + dev.unetscope.train.TrainConfig.DEFAULT_STEPS, description = "Training steps per objective (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--checkpoints", defaultValue = "6", description = "Checkpoints per objective (default ${DEFAULT-VALUE}).")
    int checkpoints;

    @Option(names = "--objectives", split = ",", defaultValue = "dice,bce,focal,tversky", description = "Objectives to train (default ${DEFAULT-VALUE}).")
    List<String> objectives;

    @Option(names = "--samples-per-case", defaultValue = "300", description = "Receptive-field positions per case for the metrics (default ${DEFAULT-VALUE}).")
    int samplesPerCase;

    @Option(names = "--data-only", description = "Stop after writing the data (no training).")
    boolean dataOnly;

    @Option(names = "--scale", defaultValue = "demo",
            description = "demo: a laptop CPU in minutes; seed: the paper's scale for a GPU machine (200 cases, channels 16-32-64-128-256, "
                    + "30 checkpoints per objective over 3000 steps (the seed's 120 checkpoints), 2000 positions per case) (default ${DEFAULT-VALUE}).")
    DemoService.Scale scale;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Use a real labelled dataset (Decathlon layout, e.g. Task05_Prostate, or images/ + labels/) instead of phantoms; "
                    + "its test split is shifted with the image-level presets to make the query sets.")
    Path data;

    @Option(names = "--channel", defaultValue = "0", description = "With --data: image channel of 4D files (default ${DEFAULT-VALUE}; T2 in Task05_Prostate).")
    int channel;

    @Option(names = "--labels", defaultValue = "all", description = "With --data: label values that are gland (default: every label > 0).")
    String labels;

    @Option(names = "--spacing", split = ",", paramLabel = "X,Y,Z",
            description = "With --data: target voxel size in mm (default: planned, the median voxel size of the cases).")
    double[] spacing;

    @Option(names = "--shape", split = ",", paramLabel = "X,Y,Z",
            description = "With --data: target shape (default: planned, the largest case's extent at the target spacing rounded up to the network's size multiple); "
                    + "a crop that loses more than 1%% of a case's label voxels is refused (see --allow-crop-loss).")
    int[] shape;

    @Option(names = "--max-voxels", defaultValue = "" + dev.unetscope.data.PreprocessingPlan.DEFAULT_MAX_VOXELS,
            description = "With --data: the plan's budget in voxels per volume; a planned shape above it coarsens the planned spacing until it fits (default ${DEFAULT-VALUE}, 128^3).")
    long maxVoxels;

    @Option(names = "--allow-crop-loss", description = "With --data: accept a --shape whose crop cuts away more than 1%% of some case's label voxels (the loss is still reported).")
    boolean allowCropLoss;

    @Option(names = "--replace-non-finite", description = "Replace NaN/Inf image voxels with the image's smallest finite value (default: such a case is refused).")
    boolean replaceNonFinite;

    @Option(names = "--query", paramLabel = "NAME=DIR",
            description = "Add your own query set (a dataset folder, labelled or not: images/ without labels/ is unlabelled), beside the shifted copies; repeatable.")
    List<String> query = new java.util.ArrayList<>();

    @picocli.CommandLine.Mixin
    LockOptions lock = new LockOptions();

    @Override
    public Integer call() throws Exception {
        Map<String, Path> queries = new java.util.LinkedHashMap<>();
        for (String q : query) {
            int eq = q.indexOf('=');
            if (eq <= 0 || eq == q.length() - 1) throw new dev.unetscope.io.BadInputException("--query " + q + " is not NAME=DIR", "e.g. --query clinic=/data/clinic");
            String name = q.substring(0, eq);
            if (queries.containsKey(name)) throw new dev.unetscope.io.BadInputException("--query " + name + " is given twice", "give each query set one name");
            queries.put(name, Path.of(q.substring(eq + 1)));
        }
        DemoService.Settings s = new DemoService.Settings(out, cases, seed, steps, checkpoints, objectives, samplesPerCase, dataOnly, scale, data, channel,
                labels, spacing, shape, queries, maxVoxels, allowCropLoss, replaceNonFinite);
        DemoService.Result r = lock.locked(out, () -> new DemoService().run(s, new Console(true)));
        if (r.report() == null) return 0;
        Map<String, Double> t = r.stageSeconds();
        System.out.printf("%nstage times: data %.0f s, train %.0f s, evaluate %.0f s, analyze %.0f s, correlate %.0f s, report %.0f s; total %.0f s%n",
                t.get("data"), t.get("train"), t.get("evaluate"), t.get("analyze"), t.get("correlate"), t.get("report"), t.get("total"));
        System.out.println("open the report: " + r.report().toAbsolutePath());
        return 0;
    }
}
