package dev.unetscope.cli;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ExperimentLock;
import dev.unetscope.pipeline.Shard;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code --wait} of every command that writes into an experiment, and the experiment's lock
 * ({@link ExperimentLock}) held while the command runs: a second writer stops with one line naming
 * the holder (exit 2), or waits with {@code --wait}.
 */
final class LockOptions {
    @Option(names = "--wait", description = "When another unetscope process is writing this experiment, wait for it to finish instead of stopping.")
    boolean wait;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /**
     * Runs {@code body} holding the experiment's lock. A folder that did not exist before and is
     * left holding only the lock file after a failure is removed, so a refused command makes nothing.
     */
    <T> T locked(Path root, Callable<T> body) throws Exception {
        boolean fresh = !Files.exists(root);
        String command = "unetscope " + String.join(" ", spec.commandLine().getParseResult().originalArgs()); // the whole command line
        boolean ok = false;
        try (ExperimentLock lock = ExperimentLock.acquire(root, command.trim(), wait, line -> System.err.println("unetscope: " + line))) {
            T t = body.call();
            ok = true;
            return t;
        } finally {
            if (!ok && fresh) removeIfOnlyLock(root);
        }
    }

    /**
     * Runs a per-checkpoint stage holding the lock it needs: the experiment's, or with {@code shard}
     * (I/N) only its shard's folder, so the shards of one stage run side by side.
     */
    <T> T lockedStage(Path experiment, String shard, String stage, Callable<T> body) throws Exception {
        Experiment exp = Experiment.open(experiment); // refuses a folder that is no experiment before locking anything
        return locked(shard == null ? experiment : Shard.parse(shard).dir(exp, stage), body);
    }

    private static void removeIfOnlyLock(Path root) {
        try {
            Files.deleteIfExists(root.resolve(ExperimentLock.FILE));
            try (var s = Files.list(root)) {
                if (s.findAny().isEmpty()) Files.delete(root);
            }
        } catch (IOException e) {
            // best effort: the folder is empty but for the lock file
        }
    }
}
