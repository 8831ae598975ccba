package dev.unetscope.cli;

import dev.unetscope.pipeline.ImportService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** MONAI UNet weights in, a run of the experiment out: thin over {@link ImportService}. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Make MONAI UNet weights (its state_dict as .safetensors) a run of the experiment, like a trained run.")
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "DIR", description = "The experiment folder (created if missing).")
    Path experiment;

    @Option(names = "--monai-weights", required = true, paramLabel = "FILE.safetensors",
            description = "MONAI UNet(spatial_dims=3, out_channels=1, ...) state_dict saved with safetensors.")
    Path weights;

    @Option(names = "--run", defaultValue = "imported", description = "Run name under checkpoints/ (default ${DEFAULT-VALUE}).")
    String run;

    @Mixin
    NetworkOptions network = new NetworkOptions();

    @Override
    public Integer call() {
        ImportService.Result r = ImportService.run(new ImportService.Settings(experiment, weights, network.config(), run));
        System.out.printf("imported %s (sha256 %s, %d parameters) as run '%s': %s%n", weights, r.sha256(), r.parameters(), r.run(), r.params());
        return 0;
    }
}
