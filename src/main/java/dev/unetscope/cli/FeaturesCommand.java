package dev.unetscope.cli;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.LayerSample;
import dev.unetscope.features.Npy;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.features.Standardizer;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.UNet;
import dev.unetscope.train.CheckpointRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Exports a checkpoint's sampled interior features of one set as NumPy files, for checking any metric elsewhere. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Write one checkpoint's features at the sampled positions of a set: LAYER.npy (N x C float32, standardised with the training cases' statistics), positions.npy, cases.txt, labels_LAYER.npy.")
final class FeaturesCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder.")
    Path experiment;

    @Option(names = "--checkpoint", required = true, paramLabel = "RUN:STEP", description = "e.g. dice:100, or dice for its last checkpoint.")
    String checkpoint;

    @Option(names = "--set", required = true, paramLabel = "SET", description = "train, val, test, or a query set's name.")
    String set;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the .npy files.")
    Path out;

    @Option(names = "--samples-per-case", defaultValue = "2000", description = "Positions per case (default ${DEFAULT-VALUE}).")
    int samplesPerCase;

    @Option(names = "--sample-seed", defaultValue = "1", description = "Seed of the positions (default ${DEFAULT-VALUE}).")
    long sampleSeed;

    @Option(names = "--stratify", description = "Draw half the positions inside the checkpoint's predicted mask (label-free).")
    boolean stratify;

    @Option(names = "--layers", split = ",", paramLabel = "L1,L2", description = "Layers to write (default: every tap).")
    List<String> layers;

    @Option(names = "--raw", description = "Write the features as the network computed them, not standardised.")
    boolean raw;

    @Override
    public Integer call() {
        Experiment exp = Experiment.open(experiment);
        CheckpointRef ref = CheckpointRef.resolve(exp, checkpoint);
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(sampleSeed, samplesPerCase,
                stratify ? ReceptiveFieldSampler.Mode.PREDICTED : ReceptiveFieldSampler.Mode.UNIFORM);
        PreparedSet data = load(exp, set);
        try (UNet net = UNet.load(ref.params(), ref.manifest().train().net())) {
            List<String> taps = layers == null ? net.tapNames() : layers;
            FeatureSample s = FeatureExtractor.extract(net, data, sampler, taps);
            FeatureSample train = raw ? null : set.equals("train") ? s : FeatureExtractor.extract(net, ExperimentData.streamSplit(exp, "train"), sampler, taps);
            for (Map.Entry<String, LayerSample> e : s.layers().entrySet()) {
                LayerSample l = raw ? e.getValue() : Standardizer.fit(train.layer(e.getKey())).apply(e.getValue());
                Npy.writeFloat32(out.resolve(e.getKey() + ".npy"), l.data(), l.n(), l.channels());
                if (l.labels() != null) Npy.writeUint8(out.resolve("labels_" + e.getKey() + ".npy"), l.labels(), l.n());
            }
            int[] pos = new int[s.n() * 4];
            for (int i = 0; i < s.n(); i++) {
                pos[4 * i] = s.caseOf()[i];
                System.arraycopy(s.positions(), 3 * i, pos, 4 * i + 1, 3);
            }
            Npy.writeInt32(out.resolve("positions.npy"), pos, s.n(), 4);
            AtomicFile.writeString(out.resolve("cases.txt"), String.join("\n", s.caseIds()) + "\n");
            System.out.printf("wrote %d positions x %d layers (%s) of %s on '%s' to %s%n", s.n(), s.layers().size(), String.join(" ", s.layers().keySet()),
                    ref.id(), set, out);
        }
        return 0;
    }

    static PreparedSet load(Experiment exp, String set) {
        // streamed: one case in memory at a time, so memory follows the sample budget, not the cohort
        if (set.equals("train") || set.equals("val") || set.equals("test")) return ExperimentData.streamSplit(exp, set);
        var q = ExperimentData.queries(exp).get(set);
        if (q == null) {
            throw new BadInputException(exp.root(), "has no set '" + set + "'", "use train, val, test or one of: " + String.join(", ", ExperimentData.queries(exp).keySet()));
        }
        return ExperimentData.query(exp, q, true);
    }
}
