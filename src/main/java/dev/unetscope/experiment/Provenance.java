package dev.unetscope.experiment;

import ai.djl.engine.Engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Library and runtime versions recorded with every experiment and checkpoint, so a result can be traced to how it was made.
 * Every version is read at run time, none is written here: ours from our jar's manifest ({@code dev} when running from
 * classes), DJL's from its API jar ({@link Engine#getDjlVersion()}), PyTorch's from the engine DJL loads
 * ({@link Engine#getVersion()}, which loads the native library on first use).
 */
public final class Provenance {
    private Provenance() {}

    public static String unetscopeVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static Map<String, String> versions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("unetscope", unetscopeVersion());
        m.put("java", System.getProperty("java.version"));
        m.put("djl", djlVersion());
        m.put("pytorch", pytorchVersion());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return m;
    }

    private static String djlVersion() {
        try {
            String v = Engine.getDjlVersion();
            return v == null ? "unknown" : v;
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + e + ")";
        }
    }

    /** The version of the libtorch DJL loaded, or why none could be loaded. */
    private static String pytorchVersion() {
        try {
            return Engine.getEngine("PyTorch").getVersion();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable (" + e + ")";
        }
    }
}
