package dev.unetscope.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.unetscope.experiment.Provenance;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.io.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The ridge predictor of test IoU fitted on a whole experiment, as saved in
 * {@code results/predictor.json}: input names, the columns it kept, their training mean and standard
 * deviation, standardised coefficients, intercept and the prediction interval's half-width
 * (1.96 x the leave-one-out RMS residual), the analysis settings the inputs were computed with and their
 * hash, and the library versions. {@code unetscope predict} applies it to new, unlabelled data, with
 * exactly those settings.
 */
public record FittedPredictor(List<String> inputs, int[] kept, double[] means, double[] sds, double[] coefficients, double intercept,
                              double halfWidth, double lambda, int n, AnalysisConfig analysis, String analysisHash,
                              Map<String, String> versions) {

    /** {@code analysis} and its hash: the settings the inputs were computed with, which {@code predict} must use again. */
    public static FittedPredictor of(RidgeModel m, List<String> inputs, AnalysisConfig analysis, String analysisHash) {
        return new FittedPredictor(inputs, m.keptColumns(), m.means(), m.sds(), m.standardisedCoefficients(), m.intercept(), m.halfWidth(),
                m.lambda(), m.n(), analysis, analysisHash, Provenance.versions());
    }

    public RidgeModel.Prediction predict(Map<String, Double> values) {
        double v = intercept;
        for (int j = 0; j < kept.length; j++) {
            String name = inputs.get(kept[j]);
            Double x = values.get(name);
            if (x == null || !Double.isFinite(x)) {
                throw new BadInputException("the predictor needs '" + name + "', which could not be computed for this data",
                        "check that the query images are readable and the checkpoint is not diverged");
            }
            v += coefficients[j] * (x - means[j]) / sds[j];
        }
        return new RidgeModel.Prediction(v, v - halfWidth, v + halfWidth);
    }

    /** A prediction and the inputs that were missing (absent or non-finite) and taken at their training mean. */
    public record Filled(RidgeModel.Prediction prediction, List<String> missing) {}

    /**
     * {@link #predict}, but an input that could not be computed (a per-case roughness with fewer than two
     * clusters among the case's points, say) is taken at its training mean, i.e. contributes nothing, and
     * is named in {@link Filled#missing()} instead of refusing the whole cohort.
     */
    public Filled predictFilling(Map<String, Double> values) {
        double v = intercept;
        List<String> missing = new java.util.ArrayList<>();
        for (int j = 0; j < kept.length; j++) {
            String name = inputs.get(kept[j]);
            Double x = values.get(name);
            if (x == null || !Double.isFinite(x)) missing.add(name);
            else v += coefficients[j] * (x - means[j]) / sds[j];
        }
        return new Filled(new RidgeModel.Prediction(v, v - halfWidth, v + halfWidth), missing);
    }

    public void write(Path file) {
        try {
            AtomicFile.writeBytes(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static FittedPredictor read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "no fitted predictor", "run 'unetscope analyze' on an evaluated experiment first");
        }
        try {
            return new ObjectMapper().readValue(file.toFile(), FittedPredictor.class);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot be read: " + e.getMessage().split("\n")[0], "re-run 'unetscope analyze'");
        }
    }
}
