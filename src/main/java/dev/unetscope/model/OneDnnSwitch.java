package dev.unetscope.model;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * libtorch's global oneDNN switch ({@code at::globalContext().setUserEnabledMkldnn}, what
 * {@code torch.backends.mkldnn.enabled} sets in Python), which DJL does not expose. Off, libtorch
 * computes convolutions on its own path (im2col + its BLAS) instead of oneDNN. Called through JNA
 * (on the classpath with DJL) on the libtorch the engine loaded, found in {@code /proc/self/maps};
 * where that fails (another OS, a renamed library) {@link #available()} is false and nothing changes.
 */
public final class OneDnnSwitch {
    private OneDnnSwitch() {}

    private static Function setter;
    private static Function getter;
    private static Pointer context;
    private static boolean probed;

    private static synchronized boolean probe() {
        if (probed) return context != null;
        probed = true;
        try {
            Engine.getEngine("PyTorch"); // loads libtorch
            Path lib = null;
            List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
            for (String line : maps) {
                int i = line.indexOf('/');
                if (i >= 0 && line.endsWith("libtorch_cpu.so")) {
                    lib = Path.of(line.substring(i));
                    break;
                }
            }
            if (lib == null) return false;
            NativeLibrary nl = NativeLibrary.getInstance(lib.toString());
            Pointer ctx = nl.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
            setter = nl.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb");
            getter = nl.getFunction("_ZNK2at7Context17userEnabledMkldnnEv");
            context = ctx;
            return true;
        } catch (IOException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Whether the switch could be found in the loaded libtorch. */
    public static boolean available() {
        return probe();
    }

    /** Whether libtorch may use oneDNN (true when the switch is not available). */
    public static boolean enabled() {
        if (!probe()) return true;
        return (getter.invokeInt(new Object[] {context}) & 0xff) != 0;
    }

    /** Turns oneDNN on or off for all later operations; returns the previous setting. */
    public static boolean set(boolean enabled) {
        if (!probe()) return true;
        boolean before = enabled();
        setter.invokeVoid(new Object[] {context, enabled ? 1 : 0});
        return before;
    }
}
