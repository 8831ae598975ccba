package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.pipeline.TrainService;
import dev.unetscope.train.TrainConfig;
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

    @picocli.CommandLine.Mixin
    LockOptions lock = new LockOptions();

    @Override
    public Integer call() throws Exception {
        Experiment.open(experiment); // refuses a folder that is no experiment before locking anything
        return lock.locked(experiment, () -> {
            Experiment exp = Experiment.open(experiment);
            Console console = new Console(false).on(exp);
            console.finished("train", new TrainService().run(exp, train.config(), console));
            return 0;
        });
    }

    /** Training flags. */
    static final class TrainOptions {
        @Option(names = "--objectives", split = ",", defaultValue = "dice,bce,focal,tversky", description = "Objectives to train (default ${DEFAULT-VALUE}).")
        List<String> objectives;

        @Option(names = "--replicates", defaultValue = "1", description = "Runs per objective with different seeds (default ${DEFAULT-VALUE}).")
        int replicates;

        @Option(names = "--steps", defaultValue = "" + TrainConfig.DEFAULT_STEPS, description = "Training steps per run (default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--batch", defaultValue = "" + TrainConfig.DEFAULT_BATCH, description = "Volumes per step (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--checkpoints", defaultValue = "6", description = "Checkpoints per run, denser early (default ${DEFAULT-VALUE}).")
        int checkpoints;

        @Option(names = "--lr", defaultValue = "" + TrainConfig.DEFAULT_LR, description = "Adam learning rate (default ${DEFAULT-VALUE}).")
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
