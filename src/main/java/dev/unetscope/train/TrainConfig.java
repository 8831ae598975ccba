package dev.unetscope.train;

import dev.unetscope.io.BadInputException;
import dev.unetscope.model.UNetConfig;

import java.util.List;

/**
 * How to train: which objectives, how many replicates (different seeds), steps, batch size,
 * checkpoints per run, Adam's learning rate, the seed, and whether to augment (random left-right
 * flip, intensity scale and shift jitter of sd {@link #JITTER}).
 */
public record TrainConfig(List<String> objectives, int replicates, int steps, int batch, int checkpoints,
                          double lr, long seed, boolean augment, UNetConfig net) {

    public static final double JITTER = 0.1;
    /** Defaults of the command line and the demo, in one place. */
    public static final int DEFAULT_BATCH = 2;
    /** MONAI's topology convolves at full resolution only in its last layer: it needs about 500 steps here to pass 0.8 validation IoU. */
    public static final int DEFAULT_STEPS = 500;
    public static final double DEFAULT_LR = 0.003;

    public TrainConfig {
        if (objectives == null || objectives.isEmpty()) throw new BadInputException("no objectives given", "use e.g. --objectives dice,bce,focal,tversky");
        objectives = objectives.stream().map(o -> Objectives.byName(o).name()).toList();
        if (replicates < 1) throw new BadInputException("--replicates " + replicates + " must be at least 1", null);
        if (batch < 1) throw new BadInputException("--batch " + batch + " must be at least 1", null);
        if (!(lr > 0)) throw new BadInputException("--lr " + lr + " must be positive", null);
        CheckpointSchedule.steps(steps, checkpoints); // validates
    }

    /** The run name: the objective for replicate 0, else objective-rK. Checkpoints live in checkpoints/RUN/. */
    public static String runName(String objective, int replicate) {
        return replicate == 0 ? objective : objective + "-r" + replicate;
    }

    /** Every objective of one replicate starts from the same weights and sees the same batches. */
    public long runSeed(int replicate) {
        return seed * 1_000_003L + replicate * 7919L;
    }
}
