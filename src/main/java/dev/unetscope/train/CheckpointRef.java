package dev.unetscope.train;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;

import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint named on the command line as {@code RUN:STEP} (e.g. {@code dice:100},
 * {@code focal-r1:last}); a bare {@code RUN} means its last checkpoint.
 */
public record CheckpointRef(CheckpointStore.Manifest manifest, CheckpointStore.Entry entry, Path params) {

    public String id() {
        return manifest.run() + ":" + entry.step();
    }

    public static CheckpointRef resolve(Experiment e, String id) {
        String run = id, step = "last";
        int colon = id.lastIndexOf(':');
        if (colon > 0) {
            run = id.substring(0, colon);
            step = id.substring(colon + 1);
        }
        CheckpointStore store = new CheckpointStore(e, run);
        CheckpointStore.Manifest m = store.manifest();
        if (m == null) {
            List<String> runs = CheckpointStore.all(e).stream().map(CheckpointStore.Manifest::run).toList();
            throw new BadInputException(store.dir(), "no trained run '" + run + "'", runs.isEmpty() ? "run 'unetscope train' first" : "runs here: " + String.join(", ", runs));
        }
        List<CheckpointStore.Entry> entries = m.checkpoints();
        CheckpointStore.Entry found = null;
        if (step.equals("last")) {
            found = entries.get(entries.size() - 1);
        } else {
            try {
                int s = Integer.parseInt(step.replace("step-", ""));
                for (CheckpointStore.Entry en : entries) if (en.step() == s) found = en;
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        if (found == null) {
            throw new BadInputException(store.dir(), "run " + run + " has no checkpoint '" + step + "'",
                    "its steps: " + String.join(", ", entries.stream().map(en -> Integer.toString(en.step())).toList()));
        }
        return new CheckpointRef(m, found, store.dir().resolve(found.params()));
    }
}
