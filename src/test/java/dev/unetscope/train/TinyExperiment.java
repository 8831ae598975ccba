package dev.unetscope.train;

import dev.unetscope.data.Dataset;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.data.Splits;
import dev.unetscope.data.phantom.PhantomCohort;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.experiment.Experiment;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** A small phantom experiment (32 x 32 x 8 voxels) with a split and one shifted query set, for training tests. */
public final class TinyExperiment {
    private TinyExperiment() {}

    /**
     * Trains the tests' tiny network (channels 8-16-32, one residual sub-unit) with {@code unetscope train}
     * on the experiment in {@code root}; the command must exit 0.
     */
    public static void trainTiny(Path root, String objectives, int steps, int checkpoints) {
        org.assertj.core.api.Assertions.assertThat(dev.unetscope.cli.Main.execute("train", "--experiment", root.toString(), "--objectives", objectives,
                "--steps", Integer.toString(steps), "--checkpoints", Integer.toString(checkpoints), "--channels", "8,16,32", "--res-units", "1"))
                .as("unetscope train").isZero();
    }

    /** The images of a labelled Decathlon folder copied into {@code out/images/} without their labels: new, unlabelled scans. */
    public static Path unlabelledCopy(Path decathlon, Path out) {
        try {
            java.nio.file.Files.createDirectories(out.resolve("images"));
            try (var files = java.nio.file.Files.list(decathlon.resolve("imagesTr"))) {
                for (Path f : files.toList()) java.nio.file.Files.copy(f, out.resolve("images").resolve(f.getFileName()));
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Experiment create(Path root, int cases) {
        Experiment e = Experiment.openOrCreate(root);
        PhantomConfig cfg = PhantomConfig.demo().withDims(32, 32, 8).withSpacing(3, 3, 6);
        List<Integer> all = IntStream.range(0, cases).boxed().toList();
        PhantomCohort.write(e.dataDir().resolve("phantoms"), cfg, 11, all, true);
        Dataset ds = Dataset.open(e.dataDir().resolve("phantoms"));
        Splits s = Splits.of(ds.cases().stream().map(c -> c.id()).toList(), 5);
        s.write(e);
        PhantomCohort.write(e.dataDir().resolve("query/noisy"), cfg.withShift(Shift.preset("noisy")), 11,
                s.test().stream().map(PhantomCohort::indexOf).toList(), true);
        e.putSection("data", Map.of("source", "phantom", "path", "data/phantoms"));
        e.putSection("preprocessing", Preprocessing.of(cfg.spacing(), new int[] {32, 32, 8}));
        e.putSection("queries", Map.of("test", Map.of("path", "data/phantoms", "split", "test"), "noisy", Map.of("path", "data/query/noisy")));
        return e;
    }
}
