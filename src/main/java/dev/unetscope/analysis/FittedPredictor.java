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
 * {@code results/predictor.json} (set level) and {@code results/case_predictor.json} (per case): input
 * names, the columns it kept, their training mean and standard deviation, standardised coefficients,
 * intercept; the conformal interval's calibration ({@link Calibration}: the nominal level, the grouping
 * held out, and per held-out group its fold model and held-out absolute residuals, jackknife+ over groups
 * as in {@link ConformalInterval}); the analysis settings the inputs were computed with and their hash,
 * and the library versions. {@code unetscope predict} applies it to new, unlabelled data, with exactly
 * those settings and without refitting.
 */
public record FittedPredictor(List<String> inputs, int[] kept, double[] means, double[] sds, double[] coefficients, double intercept,
                              double lambda, int n, Calibration conformal, AnalysisConfig analysis, String analysisHash,
                              Map<String, String> versions) {

    /**
     * A fold of the jackknife+ over groups: the model fitted without group {@code heldOut}, on the same
     * inputs, and the absolute residuals of the held-out group's rows under it.
     */
    public record Fold(String heldOut, int[] kept, double[] means, double[] sds, double[] coefficients, double intercept, double[] residuals) {
        /** The fold model's prediction; an input it uses that is absent or non-finite contributes nothing (taken at its training mean). */
        double at(List<String> inputs, Map<String, Double> values) {
            double v = intercept;
            for (int j = 0; j < kept.length; j++) {
                Double x = values.get(inputs.get(kept[j]));
                if (x != null && Double.isFinite(x)) v += coefficients[j] * (x - means[j]) / sds[j];
            }
            return v;
        }
    }

    /**
     * @param level   nominal coverage of the interval
     * @param grouping what a fold holds out ("query" set or "objective")
     * @param folds   one per held-out group that could be fitted
     */
    public record Calibration(double level, String grouping, List<Fold> folds) {}

    /**
     * {@code conformal}: the jackknife+ fitted on the same rows with {@code grouping}'s groups, named
     * by {@code groupNames} (indexed by group id); {@code analysis} and its hash: the settings the
     * inputs were computed with, which {@code predict} must use again.
     */
    public static FittedPredictor of(RidgeModel m, RidgePredictor.Conformal conformal, String grouping, List<String> groupNames, List<String> inputs,
            AnalysisConfig analysis, String analysisHash) {
        List<Fold> folds = new java.util.ArrayList<>();
        if (conformal.interval() != null) {
            for (int f = 0; f < conformal.folds().size(); f++) {
                RidgeModel fm = conformal.folds().get(f);
                if (!fm.defined()) continue;
                folds.add(new Fold(groupNames.get(conformal.groups().get(f)), fm.keptColumns(), fm.means(), fm.sds(), fm.standardisedCoefficients(),
                        fm.intercept(), conformal.interval().residuals(f)));
            }
        }
        double level = conformal.interval() == null ? ConformalInterval.DEFAULT_LEVEL : conformal.interval().level();
        return new FittedPredictor(inputs, m.keptColumns(), m.means(), m.sds(), m.standardisedCoefficients(), m.intercept(), m.lambda(), m.n(),
                new Calibration(level, grouping, folds), analysis, analysisHash, Provenance.versions());
    }

    /** The conformal interval at these inputs around the point prediction v: {lo, hi}, NaN without calibration. */
    private RidgeModel.Prediction withInterval(double v, Map<String, Double> values) {
        if (conformal == null || conformal.folds().isEmpty()) return new RidgeModel.Prediction(v, Double.NaN, Double.NaN);
        double[][] residuals = new double[conformal.folds().size()][];
        double[] mu = new double[residuals.length];
        for (int f = 0; f < mu.length; f++) {
            Fold fold = conformal.folds().get(f);
            residuals[f] = fold.residuals();
            mu[f] = fold.at(inputs, values);
        }
        double[] b = new ConformalInterval(conformal.level(), residuals).bounds(mu);
        return new RidgeModel.Prediction(v, b[0], b[1]);
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
        return withInterval(v, values);
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
        return new Filled(withInterval(v, values), missing);
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
            FittedPredictor p = new ObjectMapper().readValue(file.toFile(), FittedPredictor.class);
            if (p.conformal() == null) {
                throw new BadInputException(file, "has no conformal calibration (written by an older unetscope)", "re-run 'unetscope analyze'");
            }
            return p;
        } catch (IOException e) {
            throw new BadInputException(file, "cannot be read: " + e.getMessage().split("\n")[0], "re-run 'unetscope analyze'");
        }
    }
}
