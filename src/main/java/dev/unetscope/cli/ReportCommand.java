package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Writes the experiment's HTML report from whatever stages have run. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write report/index.html with report/figures/*.png: overview, correlation table, plots, feature strips, per-case failure flags, links to every CSV.")
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--strips", defaultValue = "3", description = "Checkpoints per run with feature strips: first, middle, last (default ${DEFAULT-VALUE}).")
    int strips;

    @Override
    public Integer call() throws Exception {
        run(Experiment.open(experiment), strips);
        return 0;
    }

    static Path run(Experiment exp, int strips) throws Exception {
        long t0 = System.nanoTime();
        Report r = new Report(exp);
        Path index = r.write(strips);
        for (String m : r.missing()) System.out.println("report: missing " + m);
        System.out.printf("report written in %.0f s: %s%n", (System.nanoTime() - t0) / 1e9, index.toAbsolutePath());
        return index;
    }
}
