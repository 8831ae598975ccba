package dev.unetscope.train;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.QueryCache;
import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.UNet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ground truth, for evaluating the label-free predictors only: every checkpoint on every query set,
 * per case IoU and Dice of the prediction thresholded at 0.5 ({@code results/cases.csv}) and their
 * mean per checkpoint and query set ({@code results/checkpoints.csv}). A checkpoint whose rows are
 * already there for every query set is skipped, so the stage resumes.
 */
public final class Evaluation {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluation.class);
    public static final String CASES_CSV = "cases.csv";
    public static final String CHECKPOINTS_CSV = "checkpoints.csv";
    public static final List<String> CASE_COLUMNS = List.of("run", "objective", "replicate", "step", "query", "case", "iou", "dice",
            "predicted_voxels", "truth_voxels");
    public static final List<String> CHECKPOINT_COLUMNS = List.of("run", "objective", "replicate", "step", "epoch", "query", "cases",
            "iou", "dice", "val_iou");

    private final Experiment exp;
    private final Map<String, ExperimentData.Query> queries;

    public Evaluation(Experiment exp, Map<String, ExperimentData.Query> queries) {
        this.exp = exp;
        this.queries = queries;
        if (queries.isEmpty()) throw new BadInputException(exp.root(), "no query sets to evaluate on", "name one with --query NAME=DATASET_DIR");
    }

    public record Summary(int evaluated, int skipped, double minIoU, double maxIoU) {}

    public Summary run() {
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        if (runs.isEmpty()) throw new BadInputException(exp.checkpointsDir(), "has no trained checkpoints", "run 'unetscope train' first");
        Path casesFile = exp.resultsDir().resolve(CASES_CSV), ckFile = exp.resultsDir().resolve(CHECKPOINTS_CSV);
        CsvTable cases = CsvTable.readOrEmpty(casesFile, CASE_COLUMNS);
        // the analysis stage may have added its columns: keep them
        CsvTable found = CsvTable.readWithColumns(ckFile, CHECKPOINT_COLUMNS, List.of());
        CsvTable checkpoints = found == null ? new CsvTable(CHECKPOINT_COLUMNS) : found;
        Set<String> done = new HashSet<>();
        for (Map<String, String> r : checkpoints.records()) done.add(r.get("run") + "/" + r.get("step") + "/" + r.get("query"));

        QueryCache cache = new QueryCache(exp, queries);
        int evaluated = 0, skipped = 0;
        for (CheckpointStore.Manifest m : runs) {
            CheckpointStore store = new CheckpointStore(exp, m.run());
            for (CheckpointStore.Entry e : m.checkpoints()) {
                List<String> todo = new ArrayList<>();
                for (String q : queries.keySet()) if (!done.contains(m.run() + "/" + e.step() + "/" + q)) todo.add(q);
                if (todo.isEmpty()) {
                    skipped++;
                    continue;
                }
                // a partly evaluated checkpoint is redone whole, so its rows come from one pass
                final String run = m.run();
                final String step = Integer.toString(e.step());
                cases.removeIf(r -> r.get("run").equals(run) && r.get("step").equals(step));
                checkpoints.removeIf(r -> r.get("run").equals(run) && r.get("step").equals(step));
                try (UNet net = UNet.load(store.dir().resolve(e.params()), m.train().net())) {
                    for (String q : queries.keySet()) {
                        PreparedSet set = cache.get(q);
                        if (!set.labelled()) {
                            throw new BadInputException(queries.get(q).path(), "query set '" + q + "' has no labels", "ground-truth IoU needs masks; use 'unetscope predict' for unlabelled data");
                        }
                        double[] sum = new double[2];
                        BatchInference.run(net, set, BatchInference.DEFAULT_BATCH, Set.of(), (i, p, t) -> {
                            Overlap.Counts c = Overlap.countsAt(p, set.masks().get(i), 0.5f, 0, p.length);
                            cases.add(List.of(m.run(), m.objective(), m.replicate(), e.step(), q, set.ids().get(i), c.iou(), c.dice(), c.predicted(), c.truth()));
                            sum[0] += c.iou();
                            sum[1] += c.dice();
                        });
                        List<Object> row = new ArrayList<>(List.of(m.run(), m.objective(), m.replicate(), e.step(), e.epoch(), q, set.size(),
                                sum[0] / set.size(), sum[1] / set.size(), e.valIoU()));
                        while (row.size() < checkpoints.header().size()) row.add("");
                        checkpoints.add(row);
                    }
                }
                cases.write(casesFile);
                checkpoints.write(ckFile);
                evaluated++;
                LOG.info("evaluated {} step {} on {} query sets", m.run(), e.step(), queries.size());
            }
        }
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (Map<String, String> r : checkpoints.records()) {
            double v = Double.parseDouble(r.get("iou"));
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new Summary(evaluated, skipped, min, max);
    }

}
