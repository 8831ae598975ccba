package dev.unetscope.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checkpoints of one training run: {@code checkpoints/RUN/step-NNNNNN.params} (network
 * parameters), {@code step-NNNNNN.adam} (optimiser state, for resuming) and {@code manifest.json}.
 * The manifest is written last, so a checkpoint exists only once its files are whole.
 */
public final class CheckpointStore {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@link Manifest#format()} of a run imported as TorchScript files ({@code step-NNNNNN.pt} + {@code .json}). */
    public static final String TORCHSCRIPT = "torchscript";

    /**
     * One saved checkpoint as the manifest lists it; {@code sha256} is the imported file's hash
     * (TorchScript runs; absent for trained ones), checked whenever the checkpoint is opened.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(int step, double epoch, double trainLoss, double valIoU, String params, String time, String sha256) {
        public Entry(int step, double epoch, double trainLoss, double valIoU, String params, String time) {
            this(step, epoch, trainLoss, valIoU, params, time, null);
        }
    }

    /**
     * Everything needed to trace a run back to how it was made. {@code format} is absent for the
     * built-in network's parameter files and {@link #TORCHSCRIPT} for an imported TorchScript run
     * (then {@code train} is null: it was not trained here). {@code patch} (D, H, W), when present, makes
     * every stage run the run's networks by sliding window with that patch (absent: whole volumes).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Manifest(String run, String objective, int replicate, long seed, String configHash,
                           TrainConfig train, Map<String, String> versions, List<Entry> checkpoints, String format, int[] patch) {
        public Manifest(String run, String objective, int replicate, long seed, String configHash,
                        TrainConfig train, Map<String, String> versions, List<Entry> checkpoints) {
            this(run, objective, replicate, seed, configHash, train, versions, checkpoints, null, null);
        }

        public boolean torchScript() {
            return TORCHSCRIPT.equals(format);
        }
    }

    private final Path dir;

    public CheckpointStore(Experiment e, String run) {
        this.dir = e.checkpointsDir().resolve(run);
    }

    public Path dir() {
        return dir;
    }

    public Path manifestFile() {
        return dir.resolve("manifest.json");
    }

    public static String stepName(int step) {
        return String.format("step-%06d", step);
    }

    public Path paramsFile(int step) {
        return dir.resolve(stepName(step) + ".params");
    }

    /** An imported TorchScript checkpoint; its sidecar is {@link #sidecarFile}. */
    public Path torchScriptFile(int step) {
        return dir.resolve(stepName(step) + ".pt");
    }

    public Path sidecarFile(int step) {
        return dir.resolve(stepName(step) + ".json");
    }

    public Path adamFile(int step) {
        return dir.resolve(stepName(step) + ".adam");
    }

    /** The manifest, or null when the run has not saved a checkpoint yet. */
    public Manifest manifest() {
        Path f = manifestFile();
        if (!Files.isRegularFile(f)) return null;
        try {
            return JSON.readValue(f.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new BadInputException(f, "cannot be read: " + e.getMessage().split("\n")[0], "the manifest is damaged; delete the run's folder to retrain it");
        }
    }

    public void writeManifest(Manifest m) {
        try {
            AtomicFile.writeBytes(manifestFile(), JSON.writeValueAsBytes(m));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void saveAdam(int step, Adam adam) {
        AtomicFile.write(adamFile(step), raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            adam.save(out);
            out.flush();
        });
    }

    public void loadAdam(int step, Adam adam) {
        Path f = adamFile(step);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f), 1 << 16))) {
            adam.load(in);
        } catch (IOException e) {
            throw new BadInputException(f, "optimiser state cannot be read: " + e.getMessage(), "delete the run's folder to retrain it");
        }
    }

    /** Keeps only the newest optimiser state: older ones are never needed to resume. */
    public void pruneAdam(int keepStep) {
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".adam")).toList()) {
                if (!p.equals(adamFile(keepStep))) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a stale optimiser state costs disk, not correctness
        }
    }

    /** All runs with a manifest under {@code checkpoints/}, sorted by name. */
    public static List<Manifest> all(Experiment e) {
        List<Manifest> out = new ArrayList<>();
        Path root = e.checkpointsDir();
        if (!Files.isDirectory(root)) return out;
        try (var s = Files.list(root)) {
            for (Path d : s.filter(Files::isDirectory).sorted().toList()) {
                Manifest m = new CheckpointStore(e, d.getFileName().toString()).manifest();
                if (m != null) out.add(m);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out;
    }
}
