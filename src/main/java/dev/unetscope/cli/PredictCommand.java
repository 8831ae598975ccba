package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.pipeline.PredictService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Predicts how checkpoints will do on a new, unlabelled cohort, per checkpoint and per case, from the predictors fitted on the experiment. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict IoU on new images without labels: interior-feature metrics and baselines (with the analysis settings the predictors "
                + "were fitted on), then the experiment's ridge predictors: each checkpoint's mean IoU with its interval (several checkpoints ranked), "
                + "and each case's IoU with a flag when predicted below the failure threshold. Writes predictions/NAME/.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder (analysed).")
    Path experiment;

    @Option(names = "--checkpoint", required = true, paramLabel = "RUN:STEP",
            description = "e.g. dice:100, dice for its last checkpoint, a comma list (dice,focal:40), or all to rank every checkpoint.")
    String checkpoint;

    @Option(names = "--query", required = true, paramLabel = "DIR", description = "New images: a Decathlon dataset or a folder with images/ (labels not needed, never read).")
    Path query;

    @Option(names = "--name", paramLabel = "NAME", description = "Folder under predictions/ (default: the query folder's name; a name used for another query folder is refused).")
    String name;

    @Option(names = "--channel", defaultValue = "0", description = "Image channel of 4D files (default ${DEFAULT-VALUE}).")
    int channel;

    @Option(names = "--replace-non-finite", description = "Replace NaN/Inf voxels with the image's smallest finite value (default: such an image is refused).")
    boolean replaceNonFinite;

    @Override
    public Integer call() {
        Experiment exp = Experiment.open(experiment);
        PredictService.Result r = new PredictService().run(exp, new PredictService.Settings(checkpoint, query, channel, name, replaceNonFinite), new Console(false));
        print(r, System.out);
        return 0;
    }

    static void print(PredictService.Result r, PrintStream out) {
        out.printf("%s: %d cases of %s, no labels used%n", r.name(), r.cases(), r.query());
        if (r.checkpoints().size() == 1) {
            PredictService.CheckpointResult c = r.top();
            // every input of the set-level predictor: the set-level scores, then each layer's forms
            for (var e : c.values().entrySet()) out.printf("  %-22s %.6f%n", e.getKey(), e.getValue());
            if (!c.reason().isEmpty()) out.printf("%s: %s; no prediction (NaN)%n", c.checkpoint(), c.reason());
            else out.printf("%s: predicted mean IoU %.3f (interval %.3f to %.3f, from %d analysed checkpoint/query pairs)%n", c.checkpoint(),
                    c.prediction().value(), clip(c.prediction().lo()), clip(c.prediction().hi()), r.pairs());
        } else {
            out.printf("%nwhich checkpoint to deploy: ranked by predicted mean IoU (* = intervals overlap the top's: indistinguishable from it)%n");
            out.printf("%4s %-16s %10s %8s %17s %10s%n", "rank", "checkpoint", "objective", "IoU", "interval", "flagged");
            for (PredictService.CheckpointResult c : r.checkpoints()) {
                out.printf("%4d %-16s %10s %8.3f %17s %10s%n", c.rank(), c.checkpoint() + (c.indistinguishable() ? " *" : ""), c.objective(), c.prediction().value(),
                        String.format("[%.3f, %.3f]", clip(c.prediction().lo()), clip(c.prediction().hi())), c.flagged() + "/" + c.cases().size());
                if (!c.reason().isEmpty()) out.printf("     %s: %s; ranked last%n", c.checkpoint(), c.reason());
            }
            long same = r.checkpoints().stream().filter(PredictService.CheckpointResult::indistinguishable).count();
            out.printf("%s is predicted best; %s%n", r.checkpoint(), same <= 1 ? "no other checkpoint is indistinguishable from it"
                    : (same - 1) + " other checkpoint(s) are indistinguishable from it (overlapping intervals)");
        }
        PredictService.CheckpointResult top = r.top();
        long flagged = top.flagged();
        out.printf("%nwhich scans to review (%s): %d of %d cases predicted below IoU %.2f%s%n", top.checkpoint(), flagged, top.cases().size(), r.threshold(),
                flagged == 0 ? "" : ", worst first:");
        for (PredictService.CaseResult c : top.cases()) {
            if (!c.flagged()) continue;
            out.printf("  %-24s predicted IoU %.3f [%.3f, %.3f]%s%n", c.caseId(), c.prediction().value(), clip(c.prediction().lo()), clip(c.prediction().hi()),
                    c.missing().isEmpty() ? "" : " (not computable: " + String.join(", ", c.missing()) + ")");
        }
        out.printf("written: %s (%s, %s, %s)%n", r.folder(), PredictService.CHECKPOINTS_CSV, PredictService.CASES_CSV, PredictService.PREDICTION_JSON);
    }

    private static double clip(double v) {
        return Math.max(0, Math.min(1, v));
    }
}
