package dev.unetscope.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileLock;
import java.nio.channels.FileChannel;
import java.time.Instant;

/**
 * An experiment is a folder that every stage reads and adds to:
 * <pre>
 * experiment.json          the whole config, one section per stage, with seeds and library versions
 * splits.json              train / val / test case ids
 * data/                    datasets the experiment made (the demo's phantom cohort and its shifted query sets)
 * checkpoints/OBJ/...      network parameters and their manifest
 * results/*.csv            tables
 * features/*.npy           exported feature samples
 * report/index.html        the report, with report/figures/
 * shards/STAGE/I-of-N/     one shard's tables and its shard.json, until merge joins them into results/
 * </pre>
 */
public final class Experiment {
    public static final String CONFIG = "experiment.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    private ObjectNode config;

    private Experiment(Path root, ObjectNode config) {
        this.root = root;
        this.config = config;
    }

    /** Opens the experiment in {@code root}, creating {@code experiment.json} if the folder is new. */
    public static Experiment openOrCreate(Path root) {
        if (Files.isRegularFile(root.resolve(CONFIG))) return open(root);
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new BadInputException(root, "exists and is not a folder", "choose another --out");
        }
        ObjectNode c = JSON.createObjectNode();
        c.put("unetscope", Provenance.unetscopeVersion());
        c.put("created", Instant.now().toString());
        c.set("versions", JSON.valueToTree(Provenance.versions()));
        Experiment e = new Experiment(root, c);
        e.save();
        return e;
    }

    public static Experiment open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new BadInputException(root, "experiment folder does not exist", "run 'unetscope demo --out DIR' or give the folder of an existing experiment");
        }
        Path cfg = root.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new BadInputException(root, "is not an experiment folder (no " + CONFIG + ")", "give the folder 'unetscope demo' made, or start one with 'unetscope demo --out DIR'");
        }
        try {
            JsonNode n = JSON.readTree(cfg.toFile());
            if (!(n instanceof ObjectNode o)) throw new IOException("not a JSON object");
            return new Experiment(root, o);
        } catch (IOException e) {
            throw new BadInputException(cfg, "is not valid JSON: " + e.getMessage().split("\n")[0], "restore it from a backup or start a new experiment");
        }
    }

    /** The lock file that serialises rewrites of experiment.json between processes. */
    public static final String SECTION_LOCK = ".experiment.json.lock";

    public Path root() { return root; }
    public Path dataDir() { return root.resolve("data"); }
    public Path checkpointsDir() { return root.resolve("checkpoints"); }
    public Path resultsDir() { return root.resolve("results"); }
    public Path featuresDir() { return root.resolve("features"); }
    public Path reportDir() { return root.resolve("report"); }

    public ObjectNode config() {
        return config.deepCopy();
    }

    public JsonNode section(String name) {
        return config.path(name);
    }

    /**
     * Replaces one section of {@code experiment.json} and rewrites the file whole; an unchanged section
     * writes nothing (shards of one stage on many machines record the same settings). The file is
     * re-read and rewritten under a short lock of its own ({@link #SECTION_LOCK}), so processes that
     * write the experiment side by side (shards, which hold only their own folder's lock) never lose
     * each other's sections.
     */
    public void putSection(String name, Object value) {
        JsonNode v = JSON.valueToTree(value);
        if (v.equals(config.get(name))) return;
        synchronized (Experiment.class) { // one JVM holds a file lock once
            try (FileChannel ch = FileChannel.open(root.resolve(SECTION_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                Path cfg = root.resolve(CONFIG);
                if (Files.isRegularFile(cfg) && JSON.readTree(cfg.toFile()) instanceof ObjectNode onDisk) {
                    // another process's sections, written since this one read the file, are kept
                    onDisk.fields().forEachRemaining(f -> config.set(f.getKey(), f.getValue()));
                }
                config.set(name, v);
                save();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot update " + root.resolve(CONFIG) + ": " + e.getMessage(), e);
            }
        }
    }

    private void save() {
        try {
            AtomicFile.writeBytes(root.resolve(CONFIG), JSON.writeValueAsBytes(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a JSON document at a path relative to the experiment root, whole or not at all. */
    public void writeJson(String relative, Object value) {
        try {
            AtomicFile.writeBytes(root.resolve(relative), JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a JSON document the experiment wrote; {@code stage} names what writes it, for the error line. */
    public <T> T readJson(String relative, Class<T> type, String stage) {
        Path p = root.resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new BadInputException(root, "has no " + relative, "run " + stage + " first");
        }
        try {
            return JSON.readValue(p.toFile(), type);
        } catch (IOException e) {
            throw new BadInputException(p, "cannot be read: " + e.getMessage().split("\n")[0], "delete it and re-run " + stage);
        }
    }
}
