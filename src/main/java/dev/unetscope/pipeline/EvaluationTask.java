package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.CheckpointRef;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One checkpoint's evaluation as a self-contained task for a cluster's executor: it opens the
 * experiment from the shared folder (refused in one line where this host cannot read it), runs the
 * same {@link EvaluateService#evaluate} as the plain path on the named labelled query sets and
 * returns the overlaps; it writes nothing.
 *
 * @param root    the experiment folder, absolute, as every executor sees it
 * @param queries the labelled query sets, in the driver's order
 */
public record EvaluationTask(String root, List<String> queries) implements TaskRunner.Work<CheckpointId, CheckpointEvaluation> {

    @Override
    public CheckpointEvaluation apply(CheckpointId id) {
        Experiment exp = SharedExperiment.open(root);
        return EvaluateService.evaluate(sets(exp), CheckpointRef.resolve(exp, id.toString()), queries);
    }

    private static String loadedFor;
    private static PreparedSets loaded;

    /** The query sets of this experiment, kept for the executor's next task of the same experiment and configuration. */
    private static synchronized PreparedSets sets(Experiment exp) {
        String key = exp.root() + "\n" + exp.config();
        if (!key.equals(loadedFor)) {
            Map<String, ExperimentData.Query> all = new LinkedHashMap<>(ExperimentData.queries(exp));
            loaded = new PreparedSets(exp, all);
            loadedFor = key;
        }
        return loaded;
    }
}
