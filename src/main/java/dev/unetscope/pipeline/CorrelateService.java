package dev.unetscope.pipeline;

import dev.unetscope.analysis.Correlation;
import dev.unetscope.analysis.GeneralizationStudy;
import dev.unetscope.analysis.SurrogateAgreement;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.io.BadInputException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The correlate stage: does each score predict test IoU? Correlations, the IoU predictor and failure
 * flags ({@link GeneralizationStudy}), and how roughness agrees with the Jacobian norm
 * ({@link SurrogateAgreement}), when ground-truth IoU exists. Its settings are recorded in
 * experiment.json under {@code correlate} (the report shades failed cases with the recorded threshold).
 */
public final class CorrelateService {

    /**
     * @param resamples        bootstrap resamples of checkpoints for the intervals
     * @param seed             seed of the bootstrap
     * @param failureThreshold a case with IoU below this has failed
     */
    public record Settings(int resamples, long seed, double failureThreshold) {
        public static final int DEFAULT_RESAMPLES = 2000;
        public static final double DEFAULT_FAILURE_THRESHOLD = 0.7;

        public Settings {
            if (resamples < 0) throw new BadInputException("--resamples " + resamples + " must be 0 or more", null);
            if (!(failureThreshold > 0 && failureThreshold <= 1)) {
                throw new BadInputException("--failure-threshold " + failureThreshold + " must be in (0, 1]", null);
            }
        }
    }

    /** {@code result} is null when there is no ground truth yet ({@code reason} says so). */
    public record Result(GeneralizationStudy.Result study, String reason) {}

    public Result run(Experiment exp, Settings s, Progress progress) {
        if (!new ResultsStore(exp).exists(ResultFiles.CHECKPOINTS_CSV)) {
            return new Result(null, "no results/checkpoints.csv: run 'unetscope evaluate' for correlations with test IoU");
        }
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("resamples", s.resamples());
        section.put("seed", s.seed());
        section.put("failureThreshold", s.failureThreshold());
        exp.putSection("correlate", section);
        GeneralizationStudy.Result study = new GeneralizationStudy(exp, s.resamples(), s.seed(), s.failureThreshold(), AnalyzeService.recorded(exp)).run();
        SurrogateAgreement.write(exp.resultsDir(), new Correlation(s.resamples(), s.seed(), Correlation.DEFAULT_LEVEL));
        return new Result(study, null);
    }

    /** The failure threshold the experiment's correlate stage used, or the default. */
    public static double recordedFailureThreshold(Experiment exp) {
        return exp.section("correlate").path("failureThreshold").asDouble(Settings.DEFAULT_FAILURE_THRESHOLD);
    }
}
