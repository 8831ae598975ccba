package dev.unetscope.pipeline;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.io.BadInputException;
import dev.unetscope.train.CheckpointRef;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Shard {@code index} of {@code count}: the part of a per-checkpoint stage one machine (a Slurm
 * array task, one process of a shell loop) runs. The rule: the experiment's checkpoints in their one
 * order ({@link CheckpointRef#all}: runs by name, steps ascending) are dealt round-robin, the
 * checkpoint at position p going to shard p mod count, so every shard gets early and late
 * checkpoints of every run alike. Indices run from 0 to count - 1, as Slurm's
 * {@code --array=0-(N-1)} numbers its tasks. Every shard must see the same checkpoint list (the
 * manifest records its hash, and merge refuses shards made on another list).
 */
public record Shard(int index, int count) {
    /** The folder under the experiment that holds every stage's shards. */
    public static final String FOLDER = "shards";
    /** The file a finished shard writes last (its commit point). */
    public static final String MANIFEST = "shard.json";

    public Shard {
        if (count < 1) throw new BadInputException("--shard " + index + "/" + count + ": N must be at least 1", "write --shard I/N with I from 0 to N-1");
        if (index < 0 || index >= count) {
            throw new BadInputException("--shard " + index + "/" + count + ": I must be from 0 to " + (count - 1),
                    "shards are numbered from 0, as Slurm's --array=0-" + (count - 1) + " numbers its tasks");
        }
    }

    /** Parses {@code I/N}. */
    public static Shard parse(String text) {
        int slash = text.indexOf('/');
        try {
            return new Shard(Integer.parseInt(text.substring(0, slash).trim()), Integer.parseInt(text.substring(slash + 1).trim()));
        } catch (RuntimeException e) {
            if (e instanceof BadInputException b) throw b;
            throw new BadInputException("--shard " + text + " is not I/N", "e.g. --shard 0/8 (I from 0 to N-1), or --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT");
        }
    }

    /** The items at positions index, index + count, index + 2 count, ... of {@code all}. */
    public <T> List<T> select(List<T> all) {
        List<T> out = new ArrayList<>();
        for (int p = index; p < all.size(); p += count) out.add(all.get(p));
        return out;
    }

    /** The shard that holds position {@code position} of the checkpoint list, among {@code count} shards. */
    public static int of(int position, int count) {
        return position % count;
    }

    /** {@code I-of-N}: the shard's folder name. */
    public String folder() {
        return index + "-of-" + count;
    }

    /** The folder of a stage's shards: {@code shards/STAGE/}. */
    public static Path stageDir(Experiment exp, String stage) {
        return exp.root().resolve(FOLDER).resolve(stage);
    }

    /** This shard's folder for a stage: {@code shards/STAGE/I-of-N/}, where its tables and manifest go. */
    public Path dir(Experiment exp, String stage) {
        return stageDir(exp, stage).resolve(folder());
    }

    /** Hash of the checkpoint list the assignment is made on (the same in every shard, or merge refuses). */
    public static String listHash(List<CheckpointRef> all) {
        return SettingsHash.of(all.stream().map(r -> r.id().toString()).toList());
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
