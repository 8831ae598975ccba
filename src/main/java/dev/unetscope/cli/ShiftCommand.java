package dev.unetscope.cli;

import dev.unetscope.data.Case;
import dev.unetscope.data.Dataset;
import dev.unetscope.data.DatasetCheck;
import dev.unetscope.data.DecathlonWriter;
import dev.unetscope.data.LabelMerge;
import dev.unetscope.data.LabelledVolume;
import dev.unetscope.data.ShiftTransforms;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.io.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Applies the image-level shift knobs to every case of a dataset (real or synthetic), masks unchanged. */
@Command(name = "shift", mixinStandardHelpOptions = true,
        description = "Write a shifted copy of a dataset (noise, bias, gamma, blur, scale, offset); masks are copied unchanged.")
final class ShiftCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Dataset in the Decathlon or images/+labels/ layout.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write, in the Decathlon layout.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the noise and bias field (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--channel", defaultValue = "0", description = "Image channel of 4D files (default ${DEFAULT-VALUE}; T2 is 0 in the Decathlon prostate set).")
    int channel;

    @Option(names = "--labels", defaultValue = "all", description = "Label values that are gland, e.g. 1,2 (default: every label > 0).")
    String labels;

    @Option(names = "--overwrite", description = "Replace an existing dataset at --out.")
    boolean overwrite;

    @Option(names = "--replace-non-finite", description = "Replace NaN/Inf image voxels with the image's smallest finite value before shifting (default: such a case is refused).")
    boolean replaceNonFinite;

    @Mixin
    ShiftOptions shiftOptions = new ShiftOptions();

    @Override
    public Integer call() {
        Shift shift = shiftOptions.resolve();
        if (shift.glandContrast() != Shift.NEUTRAL.glandContrast()) {
            throw new BadInputException("gland_contrast applies only to phantoms (it changes anatomy, not the scanner)", "use it with 'unetscope synth'");
        }
        Dataset ds = Dataset.open(data, channel, LabelMerge.parse(labels), false);
        if (out.toAbsolutePath().normalize().equals(data.toAbsolutePath().normalize())) {
            throw new BadInputException(out, "is the input dataset", "write the shifted copy to another folder");
        }
        // every case is read and checked before the copy starts: a fault in the last case leaves nothing at --out
        DatasetCheck.run(ds, DatasetCheck.Settings.query(replaceNonFinite, DatasetCheck.Settings.REMEDY));
        List<Case> cases = ds.cases();
        try (DecathlonWriter w = new DecathlonWriter(out, "shifted " + data.getFileName(), overwrite)) {
            for (int i = 0; i < cases.size(); i++) {
                LabelledVolume c = ds.read(cases.get(i));
                var image = replaceNonFinite ? DatasetCheck.replaceNonFinite(c.image()) : c.image();
                var more = replaceNonFinite ? c.more().stream().map(DatasetCheck::replaceNonFinite).toList() : c.more();
                w.add(ShiftTransforms.applyToEveryChannel(new LabelledVolume(c.id(), image, c.mask(), more), shift, seed * 1_000_003L + i));
            }
            Map<String, Object> prov = new LinkedHashMap<>();
            prov.put("source", data.toAbsolutePath().toString());
            prov.put("seed", seed);
            prov.put("shift", shift.asMap());
            w.finish("Shifted copy of " + data + " (" + shift.toSpec() + ")", prov);
        }
        System.out.printf("wrote %d shifted cases (%s) to %s%n", cases.size(), shift.toSpec(), out);
        return 0;
    }
}
