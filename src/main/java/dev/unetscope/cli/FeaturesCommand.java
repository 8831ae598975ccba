package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.pipeline.FeaturesService;
import dev.unetscope.pipeline.Shard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Exports a checkpoint's sampled interior features of one set as NumPy files, for checking any metric elsewhere. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Write a checkpoint's features at the sampled positions of a set: LAYER.npy (N x C float32, standardised with the training "
                + "cases' statistics), positions.npy, cases.txt, labels_LAYER.npy. Sampling defaults to the experiment's recorded analysis settings, "
                + "so the export reproduces results/layers.csv.")
final class FeaturesCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--checkpoint", paramLabel = "RUN:STEP", description = "e.g. dice:100, or dice for its last checkpoint. "
            + "Without it: every checkpoint (or those of --shard), each into OUT/RUN/step-NNNNNN/.")
    String checkpoint;

    @Option(names = "--shard", paramLabel = "I/N", description = "Without --checkpoint: export only shard I of N (I from 0 to N-1; checkpoint p of the "
            + "sorted list goes to shard p mod N). The shards' folders are disjoint: nothing to merge.")
    String shard;

    @Option(names = "--set", required = true, paramLabel = "SET", description = "train, val, test, or a query set's name.")
    String set;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the .npy files.")
    Path out;

    @Option(names = "--samples-per-case", description = "Positions per case (default: the recorded analysis setting, else 2000).")
    Integer samplesPerCase;

    @Option(names = "--sample-seed", description = "Seed of the positions (default: the recorded analysis setting, else 1).")
    Long sampleSeed;

    @Option(names = "--stratify", negatable = true, description = "Draw half the positions inside the checkpoint's predicted mask (default: recorded).")
    Boolean stratify;

    @Option(names = "--layers", split = ",", paramLabel = "L1,L2", description = "Layers to write (default: every tap).")
    List<String> layers;

    @Option(names = "--raw", description = "Write the features as the network computed them, not standardised.")
    boolean raw;

    @picocli.CommandLine.Mixin
    LockOptions lock = new LockOptions();

    @Override
    public Integer call() throws Exception {
        Experiment.open(experiment); // refuses a folder that is no experiment before locking anything
        // shards export disjoint checkpoint folders side by side (each renamed into place whole): no experiment lock
        return shard == null ? lock.locked(experiment, this::run) : run();
    }

    private Integer run() {
        Experiment exp = Experiment.open(experiment);
        if (checkpoint != null && shard != null) throw new BadInputException("--shard " + shard + " with --checkpoint " + checkpoint, "give one of them");
        Shard part = shard == null ? null : Shard.parse(shard);
        FeaturesService.Result r = new FeaturesService().run(exp,
                new FeaturesService.Settings(checkpoint, set, out, samplesPerCase, sampleSeed, stratify, layers, raw, part), new Console(false));
        if (checkpoint == null) {
            System.out.printf("exported %d checkpoint(s) (%d already there) on '%s' to %s/RUN/step-NNNNNN/ (%d positions per case, seed %d%s)%n", r.exported().size(),
                    r.kept().size(), r.set(), r.out(), r.sampling().samplesPerCase(), r.sampling().sampleSeed(), r.sampling().stratify() ? ", stratified" : "");
            return 0;
        }
        System.out.printf("wrote %d positions x %d layers (%s) of %s on '%s' to %s (%d positions per case, seed %d%s)%n", r.positions(), r.layers().size(),
                String.join(" ", r.layers()), r.checkpoint(), r.set(), r.out(), r.sampling().samplesPerCase(), r.sampling().sampleSeed(),
                r.sampling().stratify() ? ", stratified" : "");
        return 0;
    }
}
