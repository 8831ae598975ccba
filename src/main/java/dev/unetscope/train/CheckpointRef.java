package dev.unetscope.train;

import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.model.SlidingWindowNetwork;
import dev.unetscope.model.TorchScriptSidecar;
import dev.unetscope.model.TorchScriptNetwork;
import dev.unetscope.model.UNet;

import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint named on the command line as {@code RUN:STEP} (e.g. {@code dice:100},
 * {@code focal-r1:last}); a bare {@code RUN} means its last checkpoint. The one way a stage opens a
 * checkpoint's network ({@link #open}).
 */
public record CheckpointRef(CheckpointStore.Manifest manifest, CheckpointStore.Entry entry, Path params) {

    public CheckpointId id() {
        return new CheckpointId(manifest.run(), entry.step());
    }

    /** The checkpoint {@code entry} of the run {@code manifest} describes. */
    public static CheckpointRef of(Experiment e, CheckpointStore.Manifest manifest, CheckpointStore.Entry entry) {
        return new CheckpointRef(manifest, entry, new CheckpointStore(e, manifest.run()).dir().resolve(entry.params()));
    }

    /** Every checkpoint of every run, runs by name, steps in order. */
    public static java.util.List<CheckpointRef> all(Experiment e) {
        java.util.List<CheckpointRef> out = new java.util.ArrayList<>();
        for (CheckpointStore.Manifest m : CheckpointStore.all(e)) for (CheckpointStore.Entry en : m.checkpoints()) out.add(of(e, m, en));
        return out;
    }

    /** The last checkpoint of the run. */
    public static CheckpointRef last(Experiment e, CheckpointStore.Manifest m) {
        return of(e, m, m.checkpoints().get(m.checkpoints().size() - 1));
    }

    /**
     * The network of this checkpoint: the built-in UNet with its parameters (a file from another
     * configuration is refused in one line) or, for an imported run, its TorchScript file (refused in
     * one line when it changed after import).
     */
    public SegmentationNetwork open() {
        SegmentationNetwork net = manifest.torchScript() ? TorchScriptNetwork.load(params, entry.sha256()) : UNet.load(params, manifest.train().net());
        if (manifest.patch() == null) return net;
        try {
            return new SlidingWindowNetwork(net, manifest.patch());
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /**
     * How this checkpoint's scans are prepared: the experiment's preprocessing, or for an imported
     * TorchScript checkpoint, the spacing and normalisation its sidecar records ({@link TorchScriptSidecar#preprocessing}).
     */
    public Preprocessing preprocessing(Experiment e) {
        Preprocessing own = ExperimentData.preprocessing(e);
        if (!manifest.torchScript()) return own;
        return TorchScriptSidecar.read(TorchScriptSidecar.beside(params)).preprocessing(own);
    }

    /**
     * What this checkpoint's results depend on besides the stage's own settings, for the settings hash:
     * nothing for a run prepared as the experiment prepares its scans and run on whole volumes (so
     * hashes of such runs stay as they were); otherwise its preprocessing and its patch.
     */
    public java.util.Map<String, Object> ownSettings(Experiment e) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        Preprocessing p = preprocessing(e);
        if (!p.equals(ExperimentData.preprocessing(e))) m.put("run_preprocessing", p);
        if (manifest.patch() != null) m.put("patch", manifest.patch());
        return m;
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
        return of(e, m, found);
    }
}
