package dev.unetscope.cli;

import dev.unetscope.io.BadInputException;
import dev.unetscope.pipeline.ImportService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Checkpoints trained elsewhere in, a run of the experiment out: thin over {@link ImportService}. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Make checkpoints trained elsewhere a run of the experiment, like a trained run: "
                + "TorchScript files with taps (--model, one run per network, a series of checkpoints), "
                + "or MONAI UNet weights (--monai-weights, its state_dict as .safetensors)."})
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder (created if missing).")
    Path experiment;

    @Option(names = "--model", paramLabel = "FILE.pt",
            description = "A traced TorchScript file whose forward returns (output, tap_1, ..., tap_n), with NAME.json beside it; "
                    + "repeat for each checkpoint of the run, in training order.")
    List<Path> models;

    @Option(names = "--steps", split = ",", paramLabel = "S1,S2,...",
            description = "Training step of each --model file, increasing (default 1, 2, ..., n).")
    List<Integer> steps;

    @Option(names = "--objective", paramLabel = "NAME",
            description = "The objective column of the run for --model (default: imported).")
    String objective;

    @Option(names = "--patch", split = ",", paramLabel = "D,H,W",
            description = "Run every stage on this run's checkpoints by sliding window with this patch (each size a multiple of the size divisor; "
                    + "Gaussian-weighted overlap 0.5 as MONAI's sliding_window_inference); default: whole volumes. Recorded in the run's manifest.")
    List<Integer> patch;

    @Option(names = "--monai-weights", paramLabel = "FILE.safetensors",
            description = "MONAI UNet(spatial_dims=3, out_channels=1, ...) state_dict saved with safetensors (with --channels ...).")
    Path weights;

    @Option(names = "--run", defaultValue = "imported", description = "Run name under checkpoints/ (default ${DEFAULT-VALUE}).")
    String run;

    @Mixin
    NetworkOptions network = new NetworkOptions();

    @picocli.CommandLine.Mixin
    LockOptions lock = new LockOptions();

    @Override
    public Integer call() throws Exception {
        return lock.locked(experiment, this::run);
    }

    private Integer run() {
        boolean ts = models != null && !models.isEmpty();
        if (ts == (weights != null)) {
            throw new BadInputException("give either --model FILE.pt (repeatable) or --monai-weights FILE.safetensors", "see unetscope import --help");
        }
        if (ts) {
            ImportService.TorchScriptResult r = ImportService.importTorchScript(
                    new ImportService.TorchScriptSettings(experiment, run, objective, models, steps,
                            patch == null ? null : patch.stream().mapToInt(Integer::intValue).toArray()));
            for (ImportService.ImportedCheckpoint c : r.checkpoints()) {
                System.out.printf("imported %s (sha256 %s) as %s step %d: %s%n", c.from(), c.sha256(), r.run(), c.step(), c.file());
            }
            System.out.printf("run '%s': %d checkpoints, taps %s%n", r.run(), r.checkpoints().size(), String.join(", ", r.taps()));
            for (String n : r.notes()) System.out.println("note: " + n);
            return 0;
        }
        if (steps != null || objective != null || patch != null) {
            throw new BadInputException("--steps, --objective and --patch go with --model", "drop them for --monai-weights");
        }
        ImportService.Result r = ImportService.run(new ImportService.Settings(experiment, weights, network.config(), run));
        System.out.printf("imported %s (sha256 %s, %d parameters) as run '%s': %s%n", weights, r.sha256(), r.parameters(), r.run(), r.params());
        return 0;
    }
}
