package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.train.CheckpointRef;

import java.util.List;
import java.util.Map;

/**
 * One checkpoint's analysis as a self-contained task for a cluster's executor: it opens the
 * experiment from the shared folder (refused in one line where this host cannot read it), loads the
 * same inputs as the plain path ({@link PreparedSets}: each run's sets prepared its own way, once per executor JVM), runs the
 * same {@link CheckpointAnalysis#analyse} and returns the scores; it writes nothing.
 *
 * @param root       the experiment folder, absolute, as every executor sees it
 * @param references the final checkpoints' masks, computed once by the driver
 */
public record AnalysisTask(String root, AnalysisConfig cfg, List<String> setNames, Map<String, CheckpointAnalysis.Reference> references)
        implements TaskRunner.Work<CheckpointId, CheckpointScores> {

    @Override
    public CheckpointScores apply(CheckpointId id) {
        Experiment exp = SharedExperiment.open(root);
        CheckpointRef ref = CheckpointRef.resolve(exp, id.toString());
        return AnalyzeService.analyse(new CheckpointAnalysis(cfg), inputs(exp), ref, setNames, references);
    }

    private static String loadedFor;
    private static PreparedSets loaded;

    /** The inputs of this experiment, kept for the executor's next task of the same experiment and configuration. */
    private static synchronized PreparedSets inputs(Experiment exp) {
        String key = exp.root() + "\n" + exp.config();
        if (!key.equals(loadedFor)) {
            loaded = new PreparedSets(exp, ExperimentData.queries(exp));
            loadedFor = key;
        }
        return loaded;
    }
}
