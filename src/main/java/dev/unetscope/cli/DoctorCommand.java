package dev.unetscope.cli;

import dev.unetscope.model.EngineCheck;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Checks the tensor engine here: which engine, version, threads, device, and whether 3D convolutions compute correctly. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check the tensor engine: version, threads, device, and a 24-channel 3D convolution against a plain reference.")
final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        EngineCheck.Result r = EngineCheck.run(1);
        System.out.println("engine:  " + r.engine() + " " + r.version());
        System.out.println("threads: " + r.threads());
        System.out.println("device:  " + r.device());
        System.out.println("ONEDNN_MAX_CPU_ISA: " + r.isaSetting());
        System.out.printf("conv3d (24 input channels) vs plain reference: max |error| = %.3g%s%n", r.maxAbsError(), r.nan() ? ", NaN in output" : "");
        if (r.ok()) {
            System.out.println("OK: 3D convolutions are correct on this machine.");
            return 0;
        }
        System.out.println("FAULT: 3D convolutions give wrong numbers here (oneDNN's AVX-512 path). "
                + "Set ONEDNN_MAX_CPU_ISA=AVX2 in the environment before starting Java (bin/unetscope does this by default).");
        return 3;
    }
}
