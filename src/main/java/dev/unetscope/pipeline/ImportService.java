package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.Provenance;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;
import dev.unetscope.io.FileHash;
import dev.unetscope.model.TorchScriptNetwork;
import dev.unetscope.model.TorchScriptSidecar;
import dev.unetscope.model.UNet;
import dev.unetscope.model.UNetConfig;
import dev.unetscope.train.CheckpointStore;
import dev.unetscope.train.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes checkpoints trained elsewhere a run of an experiment, so evaluate, analyse and report take
 * them as they take trained runs. Two sources: MONAI {@code UNet} weights ({@code .safetensors} of its
 * state dict) loaded into the built-in network ({@code checkpoints/<run>/step-000000.params}), or a
 * series of TorchScript files with their sidecars ({@link #importTorchScript}: one run, a training
 * trajectory, {@code checkpoints/<run>/step-NNNNNN.pt} + {@code .json}).
 */
public final class ImportService {
    private ImportService() {}

    /** The objective column of an imported run: it was not trained here. */
    public static final String OBJECTIVE = "imported";

    /** What to import: the experiment folder, the weights file, the network they fit, the run's name. */
    public record Settings(Path experiment, Path weights, UNetConfig net, String run) {}

    /** The written checkpoint, its manifest, the weights' SHA-256 and the number of trainable scalars. */
    public record Result(String run, Path params, Path manifest, String sha256, long parameters) {}

    public static Result run(Settings s) {
        checkRunName(s.run());
        Experiment exp = Experiment.openOrCreate(s.experiment());
        CheckpointStore store = new CheckpointStore(exp, s.run());
        if (Files.exists(store.dir())) {
            throw new BadInputException(store.dir(), "run '" + s.run() + "' already exists", "choose another --run or delete that folder");
        }
        String sha = sha256(s.weights());
        long parameters;
        try (UNet net = UNet.fromMonaiWeights(s.weights(), s.net())) {
            parameters = net.parameterCount();
            net.save(store.paramsFile(0));
        }
        Map<String, String> versions = new LinkedHashMap<>(Provenance.versions());
        versions.put("imported.from", s.weights().toAbsolutePath().toString());
        versions.put("imported.sha256", sha);
        // the training fields are placeholders that pass TrainConfig's checks: nothing was trained here
        TrainConfig train = new TrainConfig(List.of("dice"), 1, 1, 1, 1, 1e-3, 0, false, s.net());
        CheckpointStore.Entry entry = new CheckpointStore.Entry(0, 0, Double.NaN, Double.NaN,
                store.paramsFile(0).getFileName().toString(), Instant.now().toString());
        store.writeManifest(new CheckpointStore.Manifest(s.run(), OBJECTIVE, 0, 0, s.net().hash(), train, versions, List.of(entry)));
        return new Result(s.run(), store.paramsFile(0), store.manifestFile(), sha, parameters);
    }

    /**
     * What to import as TorchScript: the experiment folder, the run's name and objective column, the
     * files in training order and their steps (null: 1 .. n).
     */
    public record TorchScriptSettings(Path experiment, String run, String objective, List<Path> models, List<Integer> steps, int[] patch) {
        public TorchScriptSettings(Path experiment, String run, String objective, List<Path> models, List<Integer> steps) {
            this(experiment, run, objective, models, steps, null);
        }
    }

    /** One imported checkpoint: its step, where it came from, its SHA-256. */
    public record ImportedCheckpoint(int step, Path from, Path file, String sha256) {}

    /**
     * {@code notes}: how the run's scans will be prepared where the sidecar records otherwise than the
     * experiment (spacing, intensity normalisation), and the patch of sliding-window inference.
     */
    public record TorchScriptResult(String run, Path manifest, List<String> taps, List<ImportedCheckpoint> checkpoints, List<String> notes) {}

    /** What the run's scans get that the experiment's own runs do not (empty when the same). */
    /**
     * An experiment that already names its data: the model's input channels (its sidecar's
     * {@code input_channels}) must be the dataset's, refused in one line naming the sidecar otherwise.
     */
    static void checkInputChannels(Path experiment, TorchScriptSidecar sc, Path sidecarFile) {
        if (!java.nio.file.Files.isRegularFile(experiment.resolve(Experiment.CONFIG))) return;
        Experiment exp = Experiment.open(experiment);
        if (exp.section("data").isMissingNode()) return;
        int have = ExperimentData.dataset(exp).inputChannels();
        if (have != sc.inputChannels()) {
            throw new BadInputException(sidecarFile, "the model takes " + sc.inputChannels() + " input channel(s) but the experiment's dataset "
                    + ExperimentData.dataset(exp).root() + " has " + have + " per case",
                    "import it into an experiment whose cases have " + sc.inputChannels() + " channel(s) (CASE_0000, CASE_0001, ... files)");
        }
    }

    static List<String> preprocessingNotes(Experiment exp, TorchScriptSidecar sc) {
        List<String> notes = new java.util.ArrayList<>();
        if (exp.section("preprocessing").isMissingNode()) return notes;
        Preprocessing mine = ExperimentData.preprocessing(exp), run = sc.preprocessing(mine);
        if (!java.util.Objects.equals(run.normalizationOrDefault(), mine.normalizationOrDefault())) {
            notes.add("the run's scans are normalised as the model was trained (" + run.normalizationOrDefault() + "); the experiment's with "
                    + mine.normalizationOrDefault());
        }
        if (!java.util.Arrays.equals(run.targetSpacing(), mine.targetSpacing())) {
            notes.add("the run's scans are resampled to " + java.util.Arrays.toString(run.targetSpacing()) + " mm as the model was trained"
                    + " and kept whole (padded to the size divisor); the experiment's to " + java.util.Arrays.toString(mine.targetSpacing()) + " mm"
                    + (mine.targetShape() == null ? "" : ", cropped or padded to " + axes(mine.targetShape()) + " voxels"));
        }
        return notes;
    }

    private static String axes(int[] v) {
        return v[0] + "x" + v[1] + "x" + v[2];
    }

    /**
     * Checks every file first (it loads, its sidecar is valid and one forward pass on a small input
     * returns the output and the taps the sidecar lists; all files of the run have the same taps), then
     * copies the files and their sidecars into the run's folder and writes the manifest last, with each
     * file's SHA-256 (a file changed afterwards is refused when opened). A refused input writes nothing.
     */
    public static TorchScriptResult importTorchScript(TorchScriptSettings s) {
        checkRunName(s.run());
        String objective = s.objective() == null ? OBJECTIVE : s.objective();
        if (!objective.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new BadInputException("--objective '" + objective + "' is not a plain name", "use letters, digits, '.', '_' and '-'");
        }
        List<Path> models = s.models();
        if (models == null || models.isEmpty()) throw new BadInputException("no --model given", "give one or more FILE.pt");
        List<Integer> steps = s.steps();
        if (steps == null || steps.isEmpty()) {
            steps = new java.util.ArrayList<>();
            for (int i = 1; i <= models.size(); i++) steps.add(i);
        }
        if (steps.size() != models.size()) {
            throw new BadInputException("--steps lists " + steps.size() + " steps for " + models.size() + " --model files", "give one step per file, in the same order");
        }
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) < 0 || (i > 0 && steps.get(i) <= steps.get(i - 1))) {
                throw new BadInputException("--steps " + steps + " must be increasing and not negative", "give the training step of each file, in order");
            }
        }
        Path runDir = s.experiment().resolve("checkpoints").resolve(s.run());
        if (Files.exists(runDir)) {
            throw new BadInputException(runDir, "run '" + s.run() + "' already exists", "choose another --run or delete that folder");
        }
        int[] patch = s.patch();
        List<String> shas = new java.util.ArrayList<>();
        List<dev.unetscope.model.SegmentationNetwork.Tap> taps = null;
        TorchScriptSidecar first = null;
        for (Path pt : models) {
            try (TorchScriptNetwork net = TorchScriptNetwork.load(pt, null)) {
                net.check();
                if (taps == null) {
                    taps = net.taps();
                    first = net.sidecar();
                } else if (!taps.equals(net.taps())) {
                    throw new BadInputException(TorchScriptSidecar.beside(pt), "taps " + net.taps() + " differ from those of "
                            + models.get(0).getFileName() + " " + taps, "import checkpoints of one network as one run; others as another --run");
                }
                if (!java.util.Objects.equals(first.channelNormalizations(), net.sidecar().channelNormalizations())
                        || !java.util.Arrays.equals(first.spacing(), net.sidecar().spacing())) {
                    throw new BadInputException(TorchScriptSidecar.beside(pt), "records another spacing or normalisation than "
                            + TorchScriptSidecar.beside(models.get(0)).getFileName() + "'s", "import checkpoints prepared the same way as one run; others as another --run");
                }
                if (patch != null) dev.unetscope.model.SlidingWindowNetwork.checkPatch(patch, net.sizeDivisor(), null);
                shas.add(net.sha256());
            }
        }
        checkInputChannels(s.experiment(), first, TorchScriptSidecar.beside(models.get(0)));
        Experiment exp = Experiment.openOrCreate(s.experiment());
        CheckpointStore store = new CheckpointStore(exp, s.run());
        List<ImportedCheckpoint> out = new java.util.ArrayList<>();
        List<CheckpointStore.Entry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            int step = steps.get(i);
            Path pt = models.get(i);
            copy(pt, store.torchScriptFile(step));
            copy(TorchScriptSidecar.beside(pt), store.sidecarFile(step));
            String sha = sha256(store.torchScriptFile(step));
            if (!sha.equals(shas.get(i))) {
                throw new BadInputException(pt, "changed while it was being imported", "import it again when it is no longer being written");
            }
            entries.add(new CheckpointStore.Entry(step, 0, Double.NaN, Double.NaN, store.torchScriptFile(step).getFileName().toString(),
                    Instant.now().toString(), sha));
            out.add(new ImportedCheckpoint(step, pt, store.torchScriptFile(step), sha));
        }
        Map<String, String> versions = new LinkedHashMap<>(Provenance.versions());
        versions.put("imported.from", models.get(0).toAbsolutePath().getParent().toString());
        if (first.torch() != null) versions.put("imported.torch", first.torch());
        if (first.intensityNormalization() != null) versions.put("imported.normalization", first.intensityNormalization().toString());
        if (first.spacing() != null) versions.put("imported.spacing", java.util.Arrays.toString(first.spacing()));
        List<String> notes = preprocessingNotes(exp, first);
        if (patch != null) notes.add("every stage runs this run's checkpoints by sliding window, patch " + axes(patch) + " (D x H x W)");
        String tapsText = taps.toString();
        store.writeManifest(new CheckpointStore.Manifest(s.run(), objective, 0, 0,
                dev.unetscope.experiment.SettingsHash.of(Map.of("taps", tapsText, "outputs", first.outputs().activation()
                        + " " + first.outputs().channels() + " " + java.util.Arrays.toString(first.outputs().foreground()))),
                null, versions, entries, CheckpointStore.TORCHSCRIPT, patch == null ? null : patch.clone()));
        return new TorchScriptResult(s.run(), store.manifestFile(), taps.stream().map(t -> t.toString()).toList(), out, notes);
    }

    private static void checkRunName(String run) {
        if (run == null || !run.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new BadInputException("--run '" + run + "' is not a folder name", "use letters, digits, '.', '_' and '-'");
        }
    }

    private static void copy(Path from, Path to) {
        AtomicFile.write(to, o -> Files.copy(from, o));
    }

    static String sha256(Path file) {
        return FileHash.sha256(file);
    }
}
