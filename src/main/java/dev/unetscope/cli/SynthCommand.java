package dev.unetscope.cli;

import dev.unetscope.data.phantom.PhantomCohort;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.io.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** Writes a cohort of T2w-like pelvic phantoms with whole-gland masks, in the Decathlon layout. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a Decathlon-layout dataset of synthetic T2-weighted pelvic phantoms with whole-gland masks.")
final class SynthCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write (imagesTr/, labelsTr/, dataset.json).")
    Path out;

    @Option(names = "--cases", defaultValue = "40", description = "Number of cases (default ${DEFAULT-VALUE}).")
    int cases;

    @Option(names = "--seed", defaultValue = "1", description = "Cohort seed: case i is fixed by (seed, i) (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dims", defaultValue = "64,64,24", split = ",", paramLabel = "X,Y,Z", description = "Voxels per axis (default ${DEFAULT-VALUE}).")
    int[] dims;

    @Option(names = "--spacing", defaultValue = "1.5,1.5,3.6", split = ",", paramLabel = "X,Y,Z", description = "Voxel size in mm (default ${DEFAULT-VALUE}; slices thicker than in-plane as in clinical T2w).")
    double[] spacing;

    @Option(names = "--overwrite", description = "Replace an existing dataset at --out.")
    boolean overwrite;

    @Mixin
    ShiftOptions shiftOptions = new ShiftOptions();

    @Override
    public Integer call() {
        if (cases < 1) throw new BadInputException("--cases " + cases + " must be at least 1", "give the number of phantoms to write");
        if (dims.length != 3 || spacing.length != 3) throw new BadInputException("--dims and --spacing need three values", "e.g. --dims 64,64,24 --spacing 1.5,1.5,3.6");
        Shift shift = shiftOptions.resolve();
        PhantomConfig cfg = new PhantomConfig(dims[0], dims[1], dims[2], spacing[0], spacing[1], spacing[2], shift);
        long t0 = System.nanoTime();
        PhantomCohort.write(out, cfg, seed, IntStream.range(0, cases).boxed().toList(), overwrite);
        System.out.printf("wrote %d phantoms (%dx%dx%d, shift %s) to %s in %.1f s%n", cases, dims[0], dims[1], dims[2], shift.toSpec(), out,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
