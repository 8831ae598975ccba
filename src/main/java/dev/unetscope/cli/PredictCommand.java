package dev.unetscope.cli;

import dev.unetscope.analysis.FittedPredictor;
import dev.unetscope.analysis.GeneralizationStudy;
import dev.unetscope.analysis.RidgeModel;
import dev.unetscope.data.Dataset;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.LabelMerge;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.InteriorAnalysis;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Predicts a checkpoint's IoU on a new, unlabelled cohort, from the predictor fitted on the experiment. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict a checkpoint's mean IoU on new images without labels: interior-feature metrics and baselines, "
                + "then the experiment's fitted ridge predictor, with its interval.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder (analysed).")
    Path experiment;

    @Option(names = "--checkpoint", required = true, paramLabel = "RUN:STEP", description = "e.g. dice:100, or dice for its last checkpoint.")
    String checkpoint;

    @Option(names = "--query", required = true, paramLabel = "DIR", description = "New images: a Decathlon dataset or a folder with images/ (labels not needed).")
    Path query;

    @Option(names = "--channel", defaultValue = "0", description = "Image channel of 4D files (default ${DEFAULT-VALUE}).")
    int channel;

    @Override
    public Integer call() {
        Experiment exp = Experiment.open(experiment);
        FittedPredictor predictor = FittedPredictor.read(exp.resultsDir().resolve(GeneralizationStudy.PREDICTOR_JSON));
        CheckpointRef ref = CheckpointRef.resolve(exp, checkpoint);
        Dataset ds = Dataset.open(query, channel, LabelMerge.ALL_POSITIVE, true);
        PreparedSet read = PreparedSet.stream("query", ds, null, ExperimentData.preprocessing(exp));
        // labels, if the folder has any, are never used here
        PreparedSet set = new PreparedSet(read.name(), read.ids(), read.images(), null, read.d(), read.h(), read.w());
        AnalysisConfig cfg = analysisConfig(exp);
        InteriorAnalysis analysis = new InteriorAnalysis(exp, cfg, Map.of());
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        var references = analysis.references(runs, List.of("query"), n -> set);
        CsvTable layers = new CsvTable(analysis.layerColumns());
        CsvTable cases = new CsvTable(InteriorAnalysis.CASE_COLUMNS);
        Map<String, Double> values = analysis.analyseCheckpoint(ref.manifest(), ref.entry(), ExperimentData.split(exp, "train"), List.of("query"),
                n -> set, references, layers, cases).get("query");
        RidgeModel.Prediction p = predictor.predict(values);
        System.out.printf("%s on %s (%d cases, no labels used)%n", ref.id(), query, set.size());
        for (String k : List.of("confidence", "roughness", "softmax_confidence", "tta_agreement", "checkpoint_agreement", "mahalanobis")) {
            System.out.printf("  %-22s %.4f%n", k, values.getOrDefault(k, Double.NaN));
        }
        System.out.printf("predicted mean IoU %.3f (interval %.3f to %.3f, from %d analysed checkpoint/query pairs)%n", p.value(),
                Math.max(0, p.lo()), Math.min(1, p.hi()), predictor.n());
        return 0;
    }

    static AnalysisConfig analysisConfig(Experiment exp) {
        var n = exp.section("analysis");
        if (n.isMissingNode()) return AnalysisConfig.defaults();
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().treeToValue(n, AnalysisConfig.class);
        } catch (Exception e) {
            return AnalysisConfig.defaults();
        }
    }
}
