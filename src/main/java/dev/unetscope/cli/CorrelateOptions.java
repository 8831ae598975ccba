package dev.unetscope.cli;

import dev.unetscope.pipeline.CorrelateService;
import picocli.CommandLine.Option;

/** The correlation stage's options, shared by the commands that end with it ({@code analyze}, {@code merge}). */
final class CorrelateOptions {
    @Option(names = "--resamples", defaultValue = "" + CorrelateService.Settings.DEFAULT_RESAMPLES,
            description = "Bootstrap resamples of checkpoints for the intervals (default ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--failure-threshold", defaultValue = "" + CorrelateService.Settings.DEFAULT_FAILURE_THRESHOLD,
            description = "A case with IoU below this has failed (default ${DEFAULT-VALUE}).")
    double failureThreshold;

    /** The settings, with the analysis seed (the bootstrap's). */
    CorrelateService.Settings settings(long seed) {
        return new CorrelateService.Settings(resamples, seed, failureThreshold);
    }
}
