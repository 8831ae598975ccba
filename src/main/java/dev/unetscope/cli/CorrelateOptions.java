package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.pipeline.CorrelateService;
import picocli.CommandLine.Option;

/**
 * The correlation stage's options, shared by the commands that end with it ({@code analyze}, {@code merge}).
 * An option left out keeps the value the experiment's correlate stage recorded last time (so re-running
 * {@code analyze} does not quietly change the failure threshold a previous run chose), else the default.
 */
final class CorrelateOptions {
    @Option(names = "--resamples",
            description = "Bootstrap resamples of checkpoints for the intervals (default: the experiment's recorded value, else "
                    + CorrelateService.Settings.DEFAULT_RESAMPLES + ").")
    Integer resamples;

    @Option(names = "--failure-threshold",
            description = "A case with IoU below this has failed (default: the experiment's recorded value, else "
                    + CorrelateService.Settings.DEFAULT_FAILURE_THRESHOLD + ").")
    Double failureThreshold;

    /**
     * The settings; options not given come from {@code exp}'s record. The bootstrap's seed is the one the
     * experiment's correlate stage recorded (so a re-run reproduces the intervals), else {@code seed}
     * (the analysis seed).
     */
    CorrelateService.Settings settings(Experiment exp, long seed) {
        int r = resamples != null ? resamples
                : exp.section("correlate").path("resamples").asInt(CorrelateService.Settings.DEFAULT_RESAMPLES);
        double t = failureThreshold != null ? failureThreshold : CorrelateService.recordedFailureThreshold(exp);
        long bootstrapSeed = exp.section("correlate").path("seed").asLong(seed); // the demo's bootstrap uses the demo's seed
        return new CorrelateService.Settings(r, bootstrapSeed, t);
    }
}
