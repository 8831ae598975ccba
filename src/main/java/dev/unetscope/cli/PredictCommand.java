package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.pipeline.PredictService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Predicts a checkpoint's IoU on a new, unlabelled cohort, from the predictor fitted on the experiment. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict a checkpoint's mean IoU on new images without labels: interior-feature metrics and baselines "
                + "(with the analysis settings the predictor was fitted on), then the experiment's fitted ridge predictor, with its interval.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder (analysed).")
    Path experiment;

    @Option(names = "--checkpoint", required = true, paramLabel = "RUN:STEP", description = "e.g. dice:100, or dice for its last checkpoint.")
    String checkpoint;

    @Option(names = "--query", required = true, paramLabel = "DIR", description = "New images: a Decathlon dataset or a folder with images/ (labels not needed).")
    Path query;

    @Option(names = "--channel", defaultValue = "0", description = "Image channel of 4D files (default ${DEFAULT-VALUE}).")
    int channel;

    @Option(names = "--replace-non-finite", description = "Replace NaN/Inf voxels with the image's smallest finite value (default: such an image is refused).")
    boolean replaceNonFinite;

    @Override
    public Integer call() {
        Experiment exp = Experiment.open(experiment);
        PredictService.Result r = new PredictService().run(exp, new PredictService.Settings(checkpoint, query, channel, replaceNonFinite), new Console(false));
        System.out.printf("%s on %s (%d cases, no labels used)%n", r.checkpoint(), r.query(), r.cases());
        // every input of the predictor: the set-level scores, then each layer's forms
        for (var e : r.values().entrySet()) System.out.printf("  %-22s %.6f%n", e.getKey(), e.getValue());
        System.out.printf("predicted mean IoU %.3f (interval %.3f to %.3f, from %d analysed checkpoint/query pairs)%n", r.prediction().value(),
                Math.max(0, r.prediction().lo()), Math.min(1, r.prediction().hi()), r.pairs());
        return 0;
    }
}
