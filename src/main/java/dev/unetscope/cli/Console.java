package dev.unetscope.cli;

import dev.unetscope.pipeline.AnalyzeService;
import dev.unetscope.pipeline.CorrelateService;
import dev.unetscope.pipeline.DemoService;
import dev.unetscope.pipeline.EvaluateService;
import dev.unetscope.pipeline.Progress;
import dev.unetscope.pipeline.ReportService;
import dev.unetscope.pipeline.TrainService;

import java.io.PrintStream;

/**
 * The terminal's view of the stage services: progress lines as they come, and each stage's summary
 * when it finishes. With {@code tables} (the demo) it also prints the IoU and score tables.
 */
final class Console implements Progress {
    private final PrintStream out;
    private final boolean tables;
    private dev.unetscope.experiment.Experiment experiment;

    Console(boolean tables) {
        this(System.out, tables);
    }

    Console(PrintStream out, boolean tables) {
        this.out = out;
        this.tables = tables;
    }

    /** The experiment whose tables to print (set by the command before it runs a service). */
    Console on(dev.unetscope.experiment.Experiment e) {
        this.experiment = e;
        return this;
    }

    @Override
    public void info(String line) {
        out.println(line);
    }

    @Override
    public void finished(String stage, Object result) {
        if (result instanceof DemoService.DataResult d) {
            data(d);
        } else if (result instanceof TrainService.Result r) {
            out.printf("trained %d run(s) x %d steps, %d checkpoints each, in %.0f s%n", r.runs(), r.steps(), r.checkpoints(), r.seconds());
        } else if (result instanceof EvaluateService.Result r) {
            out.printf("evaluated %d checkpoint(s) (%d already done) on %d labelled query sets in %.0f s%s%n", r.evaluated(), r.skipped(),
                    r.querySets(), r.seconds(), r.minIoU() <= r.maxIoU() ? String.format("; IoU ranges %.3f to %.3f", r.minIoU(), r.maxIoU()) : "");
            if (!r.unlabelled().isEmpty()) out.println("not evaluated (no labels; analyze scores them): " + String.join(", ", r.unlabelled()));
            if (tables) {
                out.println();
                out.println("test IoU per checkpoint and query set (results/checkpoints.csv):");
                Tables.iou(experiment, out);
            }
        } else if (result instanceof AnalyzeService.Result r) {
            out.printf("analysed %d checkpoint(s) (%d already done) in %.0f s (settings %s)%n", r.analysed(), r.skipped(), r.seconds(), r.settingsHash());
            if (tables) {
                out.println();
                out.println("interior-feature metrics beside IoU, per query set (results/checkpoints.csv; per layer in results/layers.csv):");
                Tables.scores(experiment, out);
            }
        } else if (result instanceof dev.unetscope.pipeline.MergeService.Result r) {
            out.printf("merged the shards of %s over %d checkpoints into results/ in %.0f s%n", String.join(" and ", r.shards().keySet()), r.checkpoints(), r.seconds());
        } else if (result instanceof CorrelateService.Result r) {
            if (r.study() == null) out.println(r.reason());
            else Tables.study(r.study(), out);
        } else if (result instanceof ReportService.Result r) {
            if (tables) out.println();
            for (String m : r.missing()) out.println("report: missing " + m);
            out.printf("report written in %.0f s: %s%n", r.seconds(), r.index().toAbsolutePath());
        } else {
            out.println(stage + " finished");
        }
    }

    private void data(DemoService.DataResult d) {
        experiment = d.experiment();
        out.printf("experiment %s%n", d.experiment().root());
        out.printf("data: %s%n", d.description());
        for (String line : d.plan()) out.println(line);
        if (d.firstImage() != null) {
            out.println();
            out.print(InspectCommand.text(InspectCommand.describe(d.firstImage(), 0)));
            out.println();
        }
        if (!d.sets().isEmpty()) out.printf("%-14s %5s %12s %12s %10s %10s%n", "set", "cases", "gland %", "image mean", "image sd", "NaN");
        for (DemoService.SetSummary s : d.sets()) {
            out.printf("%-14s %5d %5.2f %2.1f-%-3.1f %12.1f %10.1f %10d%n", s.name(), s.cases(), s.glandMean(), s.glandMin(), s.glandMax(), s.mean(), s.sd(),
                    s.nan());
        }
        out.println();
    }
}
