package dev.unetscope.pipeline;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.Provenance;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.UNet;
import dev.unetscope.model.UNetConfig;
import dev.unetscope.train.CheckpointStore;
import dev.unetscope.train.TrainConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes MONAI {@code UNet} weights ({@code .safetensors} of its state dict) a run of an experiment,
 * laid out like a trained one ({@code checkpoints/<run>/step-000000.params} and a manifest), so
 * evaluate, analyse and report take it as they take trained runs.
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
        if (s.run() == null || !s.run().matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new BadInputException("--run '" + s.run() + "' is not a folder name", "use letters, digits, '.', '_' and '-'");
        }
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

    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadInputException(file, "no such weights file", "give MONAI weights saved as .safetensors", e);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), "check the file", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
