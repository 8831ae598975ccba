package dev.unetscope.cli;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.TrainConfig;
import dev.unetscope.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Trains the residual UNet once per objective (and replicate) and saves checkpoints on a schedule. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the 3D residual UNet with each objective on the experiment's training split, saving checkpoints; resumes after a kill.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Mixin
    TrainOptions train = new TrainOptions();

    @Override
    public Integer call() {
        Experiment exp = Experiment.open(experiment);
        TrainConfig cfg = train.config();
        run(exp, cfg);
        return 0;
    }

    static void run(Experiment exp, TrainConfig cfg) {
        PreparedSet tr = ExperimentData.split(exp, "train");
        PreparedSet val = ExperimentData.split(exp, "val");
        exp.putSection("train", cfg);
        long t0 = System.nanoTime();
        new Trainer(exp, cfg, tr, val).trainAll();
        System.out.printf("trained %d run(s) x %d steps, %d checkpoints each, in %.0f s%n", cfg.objectives().size() * cfg.replicates(), cfg.steps(),
                cfg.checkpoints(), (System.nanoTime() - t0) / 1e9);
    }

    /** Training flags, shared with the demo. */
    static final class TrainOptions {
        @Option(names = "--objectives", split = ",", defaultValue = "dice,bce,focal,tversky", description = "Objectives to train (default ${DEFAULT-VALUE}).")
        List<String> objectives;

        @Option(names = "--replicates", defaultValue = "1", description = "Runs per objective with different seeds (default ${DEFAULT-VALUE}).")
        int replicates;

        @Option(names = "--steps", defaultValue = "240", description = "Training steps per run (default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--batch", defaultValue = "2", description = "Volumes per step (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--checkpoints", defaultValue = "6", description = "Checkpoints per run, denser early (default ${DEFAULT-VALUE}).")
        int checkpoints;

        @Option(names = "--lr", defaultValue = "0.003", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--seed", defaultValue = "1", description = "Training seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--no-augment", description = "Turn off flips and intensity jitter.")
        boolean noAugment;

        @Mixin
        NetworkOptions network = new NetworkOptions();

        TrainConfig config() {
            return new TrainConfig(objectives, replicates, steps, batch, checkpoints, lr, seed, !noAugment, network.config());
        }
    }
}
