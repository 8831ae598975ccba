package dev.unetscope.pipeline;

import dev.unetscope.analysis.FittedPredictor;
import dev.unetscope.analysis.RidgeModel;
import dev.unetscope.data.Dataset;
import dev.unetscope.data.DatasetCheck;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.LabelMerge;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Predicts a checkpoint's mean IoU on a new, unlabelled cohort: the same label-free scores as the
 * analysis, computed with exactly the settings the predictor was fitted on (recorded in
 * predictor.json), then the experiment's ridge predictor with its interval. Labels in the folder, if
 * any, are never read.
 */
public final class PredictService {
    /** The set name the new cohort carries while it is scored. */
    public static final String QUERY = "query";

    /**
     * @param checkpoint RUN:STEP or RUN (its last checkpoint)
     * @param query      a Decathlon dataset or a folder with images/
     * @param channel    image channel of 4D files
     * @param replaceNonFinite replace NaN/Inf voxels with the image minimum (else such an image is refused)
     */
    public record Settings(String checkpoint, Path query, int channel, boolean replaceNonFinite) {
        public Settings(String checkpoint, Path query, int channel) {
            this(checkpoint, query, channel, false);
        }
    }

    /** @param values every set-level score and per-layer input computed on the new cohort */
    public record Result(CheckpointId checkpoint, Path query, int cases, Map<String, Double> values, RidgeModel.Prediction prediction, int pairs) {}

    public Result run(Experiment exp, Settings s, Progress progress) {
        Dataset ds = Dataset.open(s.query(), s.channel(), LabelMerge.ALL_POSITIVE, true);
        Preprocessing prep = ExperimentData.preprocessing(exp);
        if (s.replaceNonFinite()) prep = new Preprocessing(prep.targetSpacing(), prep.targetShape(), Preprocessing.NonFinite.REPLACE_WITH_MIN, prep.clip());
        // every image read and checked before anything else (labels, if any, are never read)
        DatasetCheck.run(ds, new DatasetCheck.Settings(false, false, prep.nonFinite() == Preprocessing.NonFinite.REPLACE_WITH_MIN, DatasetCheck.Settings.REMEDY));
        Path file = exp.resultsDir().resolve(ResultFiles.PREDICTOR_JSON);
        FittedPredictor predictor = FittedPredictor.read(file);
        AnalysisConfig cfg = settings(exp, predictor, file);
        CheckpointRef ref = CheckpointRef.resolve(exp, s.checkpoint());
        PreparedSet read = PreparedSet.stream(QUERY, ds, null, prep);
        PreparedSet set = new PreparedSet(read.name(), read.ids(), read.images(), null, read.d(), read.h(), read.w());
        List<CheckpointRef> finals = CheckpointStore.all(exp).stream().map(m -> CheckpointRef.last(exp, m)).toList();
        var references = CheckpointAnalysis.references(finals, List.of(QUERY), n -> set);
        CheckpointScores scores = new CheckpointAnalysis(cfg).analyse(ref, ExperimentData.split(exp, "train"), List.of(QUERY), n -> set, references);
        Map<String, Double> values = scores.set(QUERY).predictorValues(cfg.layerWeights());
        return new Result(ref.id(), s.query(), set.size(), values, predictor.predict(values), predictor.n());
    }

    /** The analysis settings of the predictor, refused in one line when the experiment's recorded settings differ. */
    static AnalysisConfig settings(Experiment exp, FittedPredictor predictor, Path file) {
        if (predictor.analysis() == null || predictor.analysisHash() == null) {
            throw new BadInputException(file, "records no analysis settings (written by an older version)", "re-run 'unetscope analyze' to refit it");
        }
        String hash = SettingsHash.of(predictor.analysis());
        if (!hash.equals(predictor.analysisHash())) {
            throw new BadInputException(file, "its analysis settings do not match their recorded hash " + predictor.analysisHash(), "re-run 'unetscope analyze'");
        }
        AnalysisConfig recorded = AnalyzeService.recorded(exp);
        if (recorded == null || !SettingsHash.of(recorded).equals(hash)) {
            String what = recorded == null ? "the experiment records none" : String.join("; ", SettingsHash.differences(predictor.analysis(), recorded));
            throw new BadInputException(file, "was fitted with other analysis settings than the experiment now records (" + what + ")",
                    "re-run 'unetscope analyze' so the predictor and the scores match");
        }
        return predictor.analysis();
    }
}
