package dev.unetscope.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a finished shard made ({@code shards/STAGE/I-of-N/shard.json}, written last, so a shard
 * without it has not finished): the stage, I and N, the hash of the settings its rows carry and
 * those settings, the sets it covered, and the checkpoint list it was assigned from (its hash and
 * length) with the checkpoints it covered ({@code RUN:STEP}). {@code unetscope merge} checks these
 * before joining anything.
 */
public record ShardManifest(String stage, int index, int count, String settingsHash, JsonNode settings, List<String> sets,
                            String checkpointList, int checkpointTotal, List<String> checkpoints) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ShardManifest {
        sets = List.copyOf(sets);
        checkpoints = List.copyOf(checkpoints);
    }

    static ShardManifest of(String stage, Shard shard, Object settings, List<String> sets, String checkpointList, int total, List<String> checkpoints) {
        return new ShardManifest(stage, shard.index(), shard.count(), SettingsHash.of(settings), SettingsHash.tree(settings), sets, checkpointList, total, checkpoints);
    }

    public Shard shard() {
        return new Shard(index, count);
    }

    /** Writes {@code dir/shard.json} whole. */
    void write(Path dir) {
        try {
            AtomicFile.writeBytes(dir.resolve(Shard.MANIFEST), JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Removes {@code dir/shard.json}: a shard that starts again is unfinished until it writes a new one. */
    static void remove(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(Shard.MANIFEST));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads {@code dir/shard.json}; null when the shard has none (it has not finished). */
    static ShardManifest read(Path dir) {
        Path f = dir.resolve(Shard.MANIFEST);
        if (!Files.isRegularFile(f)) return null;
        try {
            ShardManifest m = JSON.readValue(f.toFile(), ShardManifest.class);
            if (m.stage() == null || m.settingsHash() == null || m.checkpointList() == null) throw new IOException("a field is missing");
            return m;
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(f, "is not a readable shard manifest: " + e.getMessage().split("\n")[0], "re-run that shard");
        }
    }
}
