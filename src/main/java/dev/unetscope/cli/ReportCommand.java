package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.pipeline.ReportService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Writes the experiment's HTML report from whatever stages have run. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write report/index.html with report/figures/*.png: overview, correlation table, how the seed's scores compare, plots, feature strips, score and IoU against the training step, per-case failure flags, links to every CSV; and the interactive viewer report/viewer.html.")
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--strips", defaultValue = "3", description = "Checkpoints of the reference run with feature strips: first, middle, last (default ${DEFAULT-VALUE}).")
    int strips;

    @Option(names = "--viewer-cases", defaultValue = "3", paramLabel = "N",
            description = "Cases per query set shown in the feature strips and the interactive viewer (report/viewer.html): worst, median, best by IoU under the best run's final checkpoint; 0: no viewer (default ${DEFAULT-VALUE}).")
    int viewerCases;

    @Option(names = "--viewer-checkpoints", defaultValue = "trajectory", paramLabel = "SPEC",
            description = "Checkpoints the viewer draws: trajectory (each run's final, then its middle and first while the viewer's volumes stay within 40 MB), "
                    + "final (each run's final), all, or RUN:STEP,... (e.g. dice:500,bce:1000; RUN alone: its final) (default ${DEFAULT-VALUE}).")
    String viewerCheckpoints;

    @Override
    public Integer call() throws Exception {
        if (viewerCases < 0 || strips < 0) throw new dev.unetscope.io.BadInputException("--viewer-cases and --strips must be 0 or more", "give e.g. --viewer-cases 3 (0: no strips)");
        Experiment exp = Experiment.open(experiment);
        Console console = new Console(false).on(exp);
        console.finished("report", new ReportService().run(exp, new ReportService.Settings(strips, viewerCases, viewerCheckpoints), console));
        return 0;
    }
}
