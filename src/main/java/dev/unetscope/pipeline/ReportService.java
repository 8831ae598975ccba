package dev.unetscope.pipeline;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.report.Report;

import java.nio.file.Path;
import java.util.List;

/** The report stage: report/index.html and its figures from whatever the experiment has; what is missing is listed. */
public final class ReportService {

    /** @param strips checkpoints per run with feature strips (first, middle, last) */
    public record Settings(int strips) {}

    public record Result(Path index, List<String> missing, double seconds) {}

    public Result run(Experiment exp, Settings s, Progress progress) throws Exception {
        long t0 = System.nanoTime();
        Report r = new Report(exp, CorrelateService.recordedFailureThreshold(exp));
        Path index = r.write(s.strips());
        return new Result(index, List.copyOf(r.missing()), (System.nanoTime() - t0) / 1e9);
    }
}
