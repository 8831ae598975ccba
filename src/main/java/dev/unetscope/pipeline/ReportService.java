package dev.unetscope.pipeline;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.report.Report;
import dev.unetscope.report.ViewerCheckpoints;

import java.nio.file.Path;
import java.util.List;

/** The report stage: report/index.html and its figures from whatever the experiment has; what is missing is listed. */
public final class ReportService {

    /**
     * @param strips      checkpoints of the reference run with feature strips (first, middle, last)
     * @param viewerCases cases per query set shown in the strips and the interactive viewer (worst, median, best by IoU; see
     *                    report/CaseChoice; 0: no viewer)
     * @param viewerCheckpoints which checkpoints the viewer draws ({@link ViewerCheckpoints}: trajectory, final, all, RUN:STEP,...)
     */
    public record Settings(int strips, int viewerCases, String viewerCheckpoints) {
        public Settings(int strips) {
            this(strips, dev.unetscope.report.CaseChoice.DEFAULT_PER_SET);
        }

        public Settings(int strips, int viewerCases) {
            this(strips, viewerCases, ViewerCheckpoints.DEFAULT);
        }
    }

    public record Result(Path index, List<String> missing, double seconds) {}

    public Result run(Experiment exp, Settings s, Progress progress) throws Exception {
        long t0 = System.nanoTime();
        // before anything is written: a spec naming an unknown run or step is refused in one line
        ViewerCheckpoints which = ViewerCheckpoints.resolve(exp, s.viewerCheckpoints());
        AnalysisConfig recorded = AnalyzeService.recorded(exp);
        // before any analysis, the strips sample 300 positions per case (the demo's analysis setting)
        AnalysisConfig sampling = recorded != null ? recorded : AnalysisConfig.defaults().withSamplesPerCase(300);
        // the report needs no lock (it only reads the tables); what a killed report left is removed here
        dev.unetscope.io.AtomicFile.removeLeftovers(exp.reportDir(), false);
        dev.unetscope.io.AtomicFile.removeLeftovers(exp.reportDir().resolve("figures"), false);
        Report r = new Report(exp, CorrelateService.recordedFailureThreshold(exp), sampling);
        Path index = r.viewerCheckpoints(which).write(s.strips(), s.viewerCases());
        return new Result(index, List.copyOf(r.missing()), (System.nanoTime() - t0) / 1e9);
    }
}
