package dev.unetscope.cli;

import dev.unetscope.model.ChannelRaceGuard;
import dev.unetscope.model.EngineCheck;
import dev.unetscope.model.EngineEnvironment;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Checks the tensor engine here: which engine, version, threads, device, and whether 3D convolutions compute correctly. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check the tensor engine: version, threads, device, a 24-channel 3D convolution against a plain reference (the AVX-512 fault), "
                + "and a 4-channel 3D convolution repeated on the engine's threads (the 4-channel race).")
final class DoctorCommand implements Callable<Integer> {
    /** Repeats of the race check: the race showed within a few steps of training when it was seen. */
    static final int RACE_REPEATS = 12;

    @Override
    public Integer call() {
        EngineCheck.Result r = EngineCheck.run(1);
        System.out.println("engine:  " + r.engine() + " " + r.version());
        System.out.println("threads: " + r.threads());
        System.out.println("device:  " + r.device());
        for (String line : EngineEnvironment.describe()) System.out.println(line);
        System.out.printf("conv3d (24 input channels) vs plain reference: max |error| = %.3g%s%n", r.maxAbsError(), r.nan() ? ", NaN in output" : "");
        EngineCheck.RaceResult race = EngineCheck.raceCheck(1, RACE_REPEATS);
        boolean guarded = !"off".equals(System.getProperty(ChannelRaceGuard.PROPERTY));
        System.out.printf("conv3d (4 channels) forward+backward, %d repeats on %d threads: %d differ from the first, %d with NaN/Inf (%.1f s)%n",
                race.repeats(), race.threads(), race.differing(), race.nonFinite(), race.seconds());
        System.out.println("channel race guard: " + (guarded ? "on" : "off") + " (networks with a channel count neither 1 nor a multiple of 8 run on one thread)");
        boolean ok = true;
        if (r.ok()) {
            System.out.println("OK: 3D convolutions are correct on this machine.");
        } else {
            ok = false;
            System.out.println("FAULT: 3D convolutions give wrong numbers here (oneDNN's AVX-512 path). "
                    + "Set ONEDNN_MAX_CPU_ISA=AVX2 in the environment before starting Java (bin/unetscope does this by default).");
        }
        if (race.ok()) {
            System.out.println("OK: 4-channel 3D convolutions are repeatable on " + race.threads() + " threads here.");
        } else if (guarded) {
            System.out.println("RACE: 4-channel 3D convolutions differ from run to run on " + race.threads() + " threads here; "
                    + "the guard runs networks with such channel counts on one thread (built-in configurations use multiples of 8).");
        } else {
            ok = false;
            System.out.println("FAULT: 4-channel 3D convolutions race on " + race.threads() + " threads here and the guard is off; "
                    + "remove -D" + ChannelRaceGuard.PROPERTY + "=off.");
        }
        return ok ? 0 : 3;
    }
}
