package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.TrainConfig;
import dev.unetscope.train.Trainer;

/**
 * The training stage: one network per objective and replicate on the experiment's training split,
 * checkpoints on a schedule (recorded in experiment.json under {@code train}); a killed run resumes
 * from its last checkpoint.
 */
public final class TrainService {
    public record Result(int runs, int steps, int checkpoints, double seconds) {}

    public Result run(Experiment exp, TrainConfig cfg, Progress progress) {
        long t0 = System.nanoTime();
        PreparedSet tr = ExperimentData.split(exp, "train");
        PreparedSet val = ExperimentData.split(exp, "val");
        exp.putSection("train", cfg);
        new Trainer(exp, cfg, tr, val).trainAll();
        return new Result(cfg.objectives().size() * cfg.replicates(), cfg.steps(), cfg.checkpoints(), (System.nanoTime() - t0) / 1e9);
    }
}
