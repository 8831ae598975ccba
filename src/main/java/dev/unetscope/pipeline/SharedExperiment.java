package dev.unetscope.pipeline;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The experiment folder as a cluster's executor sees it: the folder must sit on a file system every
 * executor reads at the same path (a shared mount). Opening it where it cannot be read is refused in
 * one line naming this host and the path.
 */
public final class SharedExperiment {
    private SharedExperiment() {}

    public static Experiment open(String root) {
        Path dir = Path.of(root);
        Path config = dir.resolve(Experiment.CONFIG);
        if (!Files.isReadable(config)) {
            throw new BadInputException(config, "cannot be read on executor host " + host(),
                    "put the experiment folder on a file system every executor sees at the same path (a shared mount)");
        }
        return Experiment.open(dir);
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
